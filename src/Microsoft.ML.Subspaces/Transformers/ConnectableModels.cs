using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// The checks that make two fitted models connectable by a training-free path or a WA-ensemble: single MLPs with a
/// hidden layer, of one architecture, reading their features in the same way.
/// </summary>
internal static class ConnectableModels
{
    /// <summary>The MLP of a single-network model, or an error naming <paramref name="name"/> and what is wrong.</summary>
    public static SubspaceMlp SingleMlp(SubspaceTransformer model, string name)
    {
        var network = model.Weights.Network;
        if (network is not SubspaceMlp mlp)
            throw new NotSupportedException($"Model {name} is a {network.Spec.KindName} network ({network.GetType().Name}); training-free connections are implemented for multilayer perceptrons only.");
        if (network.Spec.HiddenSizes.Length == 0)
            throw new NotSupportedException($"Model {name} ({network.Spec.Describe()}) has no hidden layer: connections move hidden neurons, and a linear model has none.");
        if (model.Positions.Count != 1)
            throw new ArgumentException($"Model {name} predicts with an ensemble of {model.Positions.Count} networks ({model.Prediction}); connect single networks (use WithPoint).", name);
        return mlp;
    }

    /// <summary>An error naming the first thing that differs between the two networks, so a path between them is defined.</summary>
    public static void CheckSameArchitecture(NetworkSpec a, NetworkSpec b)
    {
        string Describe() => $" (a: {a.Describe()}, b: {b.Describe()})";
        if (a.Kind != b.Kind)
            throw new ArgumentException($"The models have different network kinds: a is {a.KindName}, b is {b.KindName}.", nameof(b));
        if (a.InputSize != b.InputSize)
            throw new ArgumentException($"The models have different input sizes: a takes {a.InputSize} features, b takes {b.InputSize}{Describe()}.", nameof(b));
        if (a.ClassCount != b.ClassCount)
            throw new ArgumentException($"The models have different class counts: a has {a.ClassCount}, b has {b.ClassCount}{Describe()}.", nameof(b));
        if (a.HiddenSizes.Length != b.HiddenSizes.Length)
            throw new ArgumentException($"The models have different numbers of hidden layers: a has {a.HiddenSizes.Length}, b has {b.HiddenSizes.Length}{Describe()}.", nameof(b));
        for (int i = 0; i < a.HiddenSizes.Length; i++)
            if (a.HiddenSizes[i] != b.HiddenSizes[i])
                throw new ArgumentException($"The models' hidden layer {i + 1} has different widths: {a.HiddenSizes[i]} neurons in a, {b.HiddenSizes[i]} in b{Describe()}.", nameof(b));
        if (!a.FeatureMean.SequenceEqual(b.FeatureMean) || !a.FeatureStd.SequenceEqual(b.FeatureStd))
            throw new ArgumentException("The models standardize their features differently (they were trained on different rows, or one with StandardizeFeatures off): " +
                                        "a path between them would read its input in two ways. Train both on the same rows with the same StandardizeFeatures.", nameof(b));
    }

    /// <summary>An error unless the two models predict the same classes (the same key values, in the same order).</summary>
    public static void CheckSameClasses(ScorerTransformer a, ScorerTransformer b)
    {
        if (!a.Labels.Values.SequenceEqual(b.Labels.Values))
            throw new ArgumentException($"The models predict different classes: a has [{string.Join(", ", a.Labels.Values)}], b has [{string.Join(", ", b.Labels.Values)}].", nameof(b));
    }

    /// <summary>
    /// An error unless <paramref name="spec"/> (of the model called <paramref name="name"/>) is a one-hidden-layer MLP with
    /// the inputs, classes and feature standardization of <paramref name="reference"/> (<paramref name="referenceName"/>):
    /// the networks whose neurons one Flow or Bijection maps. Widths may differ.
    /// </summary>
    public static void CheckFlowNetwork(NetworkSpec spec, string name, NetworkSpec reference, string referenceName, string parameterName)
    {
        if (spec.HiddenSizes.Length != 1)
            throw new NotSupportedException($"Flow and Bijection connections map the neurons of one-hidden-layer networks; {name} has {spec.HiddenSizes.Length} hidden layers ({spec.Describe()}).");
        if (spec.InputSize != reference.InputSize || spec.ClassCount != reference.ClassCount)
            throw new ArgumentException($"{name} has {spec.InputSize} inputs and {spec.ClassCount} classes; {referenceName} {reference.InputSize} and {reference.ClassCount}.", parameterName);
        if (!spec.FeatureMean.SequenceEqual(reference.FeatureMean) || !spec.FeatureStd.SequenceEqual(reference.FeatureStd))
            throw new ArgumentException($"{name} standardizes its features differently from {referenceName} (trained on other rows?).", parameterName);
    }
}
