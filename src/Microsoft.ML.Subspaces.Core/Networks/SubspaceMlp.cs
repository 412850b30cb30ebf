using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>A multilayer perceptron (linear, ReLU, ..., linear) whose every layer, classifier included, is a subspace layer.</summary>
internal sealed class SubspaceMlp : SubspaceNetwork
{
    private readonly ModuleList<SubspaceLinear> layers;
    private readonly InputStandardization? standardization;
    private readonly ISubspaceLayer[] _subspaceLayers;

    /// <summary>Builds the MLP of <paramref name="spec"/>, initializing with <paramref name="generator"/> (seeded for determinism).</summary>
    public SubspaceMlp(NetworkSpec spec, Generator? generator = null) : base(nameof(SubspaceMlp), spec)
    {
        if (spec.InputSize < 1) throw new ArgumentOutOfRangeException(nameof(spec), spec.InputSize, "The input size must be positive.");
        if (spec.ClassCount < 1) throw new ArgumentOutOfRangeException(nameof(spec), spec.ClassCount, "The class count must be positive.");
        foreach (var h in spec.HiddenSizes)
            if (h < 1) throw new ArgumentOutOfRangeException(nameof(spec), h, "Hidden layer sizes must be positive.");
        InputStandardization.Validate(spec.FeatureMean, spec.FeatureStd, spec.InputSize, "feature");
        standardization = InputStandardization.ForFeatures(spec);
        var widths = new[] { spec.InputSize }.Concat(spec.HiddenSizes).Append(spec.ClassCount).ToArray();
        layers = new ModuleList<SubspaceLinear>();
        for (int i = 0; i + 1 < widths.Length; i++)
            layers.Add(new SubspaceLinear(widths[i], widths[i + 1], spec.PointCount, generator));
        _subspaceLayers = layers.Cast<ISubspaceLayer>().ToArray();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ISubspaceLayer> SubspaceLayers => _subspaceLayers;

    /// <summary>The input standardization, or null (read by model export).</summary>
    internal InputStandardization? Standardization => standardization;

    /// <summary>The linear layers in order.</summary>
    public IReadOnlyList<SubspaceLinear> Layers => layers.ToArray();

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var x = standardization?.forward(input) ?? input;
        for (int i = 0; i < layers.Count; i++)
        {
            var y = layers[i].forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = i + 1 < layers.Count ? Dropout(y.relu_()) : y;
        }
        return x;
    }

    /// <inheritdoc/>
    protected override SubspaceNetwork CreateEmpty(int pointCount) => new SubspaceMlp(Spec.WithPointCount(pointCount));
}
