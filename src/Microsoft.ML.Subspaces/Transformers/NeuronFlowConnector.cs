using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A global connection model of Anokhin and Yarotsky: a RealNVP bijection between hidden-neuron vectors
/// <c>[incoming weights | bias | outgoing weights]</c> of one-hidden-layer networks and a latent space, fitted once on a set
/// of trained networks (<c>mlContext.Subspaces().Connections.FitFlow</c> or <c>FitBijection</c>) and applied to any new
/// pair of networks of the same inputs and classes with <see cref="Connect"/>. Dispose it after its connections.
/// </summary>
public sealed class NeuronFlowConnector : IDisposable
{
    private readonly NeuronFlow _flow;
    private int _disposed;

    internal NeuronFlowConnector(NeuronFlow flow, string method, NetworkSpec spec, int modelCount, TimeSpan trainingTime, double finalLoss, int? keptEpoch)
    {
        KeptEpoch = keptEpoch;
        _flow = flow;
        Method = method;
        Spec = spec;
        ModelCount = modelCount;
        TrainingTime = trainingTime;
        FinalLoss = finalLoss;
    }

    /// <summary>"Flow" (fitted by maximum likelihood of the neurons) or "Bijection" (fitted on the loss along paths).</summary>
    public string Method { get; }

    /// <summary>How many trained networks it was fitted on.</summary>
    public int ModelCount { get; }

    /// <summary>The wall-clock time of the fit (the method's training cost).</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>
    /// The fit's final loss. Flow: the mean negative log-likelihood per neuron (constants dropped) of the held-out models'
    /// neurons at the kept epoch, or of the training neurons in the last epoch when no model was held out. Bijection: the
    /// mean cross-entropy along the paths over the last tenth of the steps.
    /// </summary>
    public double FinalLoss { get; }

    /// <summary>Flow: the epoch kept (the best likelihood of the held-out models' neurons, or the last). Null for a Bijection.</summary>
    public int? KeptEpoch { get; }

    internal NetworkSpec Spec { get; }

    internal NeuronFlow Flow
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _flow;
        }
    }

    /// <summary>
    /// The path from <paramref name="a"/> (t = 0) to <paramref name="b"/> (t = 1): b's hidden neurons are matched to a's by
    /// optimal transport (the same function as b), both networks' neurons are mapped to the latent space, joined there by
    /// the arc <c>cos(pi t / 2) z_a + sin(pi t / 2) z_b</c> and mapped back; the output bias moves linearly.
    /// </summary>
    /// <param name="a">A single-network one-hidden-layer MLP with the inputs and classes of the fitted models.</param>
    /// <param name="b">Another, of the same architecture.</param>
    /// <exception cref="ArgumentException">The models differ from each other or from the fitted ones (the message names what).</exception>
    /// <exception cref="NotSupportedException">A model is not a one-hidden-layer MLP.</exception>
    public FlowConnection Connect(SubspaceTransformer a, SubspaceTransformer b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var flow = Flow;
        var mlpA = ConnectableModels.SingleMlp(a, nameof(a));
        var mlpB = ConnectableModels.SingleMlp(b, nameof(b));
        ConnectableModels.CheckSameArchitecture(a.Network, b.Network);
        ConnectableModels.CheckFlowNetwork(a.Network, "model a", Spec, $"the networks the {Method} was fitted on", nameof(a));
        ConnectableModels.CheckSameClasses(a, b);
        var weightsA = MlpWeights.FromNetwork(mlpA, a.Shape.Coefficients(a.Positions[0]));
        var weightsB = MlpWeights.FromNetwork(mlpB, b.Shape.Coefficients(b.Positions[0]));
        try
        {
            return new FlowConnection(this, NeuronFlowFitting.Match(weightsA, weightsB), a.Network.WithPointCount(1), a.FeatureColumnName, a.Labels);
        }
        finally
        {
            foreach (var t in weightsA.Tensors.Concat(weightsB.Tensors)) t.Dispose();
        }
    }

    /// <summary>Frees the bijection; connections made by it stop working.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _flow.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Method} on the neurons of {ModelCount} networks of {Spec.Describe()}, fitted in {TrainingTime.TotalSeconds:F1} s";
}
