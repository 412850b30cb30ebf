using System.Globalization;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A Flow or Bijection connection between two networks (<see cref="NeuronFlowConnector.Connect"/>): t = 0 is the first
/// network and t = 1 the second with its hidden neurons matched to the first's (the same function). Every point is mapped
/// back from the latent space on demand, so the path is not a transformer itself: <see cref="AtPoint"/> gives the network
/// at t as a standard model, and <c>mlContext.Subspaces().EvaluatePath</c> walks the path. Uses its connector's bijection:
/// dispose the connection before the connector.
/// </summary>
public sealed class FlowConnection : IPathTransformer, IDisposable
{
    private readonly NeuronFlowConnector _connector;
    private readonly Tensor _neuronsA, _neuronsB, _biasA, _biasB, _latentA, _latentB;
    private readonly NetworkSpec _spec;
    private readonly string _featureColumnName;
    private readonly LabelKeyValues _labels;
    private int _disposed;

    internal FlowConnection(NeuronFlowConnector connector, (Tensor A, Tensor B, Tensor BiasA, Tensor BiasB) matched, NetworkSpec spec,
        string featureColumnName, LabelKeyValues labels)
    {
        _connector = connector;
        (_neuronsA, _neuronsB, _biasA, _biasB) = matched;
        foreach (var t in new[] { _neuronsA, _neuronsB, _biasA, _biasB }) t.DetachFromDisposeScope();
        using (no_grad())
        {
            _latentA = connector.Flow.ToLatent(_neuronsA).Latent.DetachFromDisposeScope();
            _latentB = connector.Flow.ToLatent(_neuronsB).Latent.DetachFromDisposeScope();
        }
        _spec = spec;
        _featureColumnName = featureColumnName;
        _labels = labels;
    }

    /// <summary>"Flow" or "Bijection".</summary>
    public string Method => _connector.Method;

    /// <summary>The network at <paramref name="t"/> as a standard (single-point) model with its own copy of the weights.</summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1].</exception>
    /// <exception cref="ObjectDisposedException">The connection or its connector was disposed.</exception>
    public SubspaceTransformer AtPoint(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var flow = _connector.Flow;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // The ends exactly; between them, the arc in the latent space mapped back.
        var neurons = t == 0 ? _neuronsA : t == 1 ? _neuronsB : flow.ToNeurons(NeuronFlowFitting.Arc(_latentA, _latentB, t));
        var bias = t == 0 ? _biasA : t == 1 ? _biasB : lerp(_biasA, _biasB, t);
        var network = NeuronFlowFitting.FromNeurons(neurons, bias, _spec.InputSize).ToNetwork(_spec, CPU);
        return SubspaceTransformer.Standalone(network, _featureColumnName, _labels, $"{Method} connection at t={t.ToString("R", CultureInfo.InvariantCulture)}");
    }

    ScorerTransformer IPathTransformer.AtPoint(double t) => AtPoint(t);

    /// <summary>Frees the two networks' neurons and latent vectors.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var t in new[] { _neuronsA, _neuronsB, _biasA, _biasB, _latentA, _latentB }) t.Dispose();
    }
}
