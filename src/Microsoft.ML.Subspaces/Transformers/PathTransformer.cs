using System.Globalization;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Export;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A training-free connection between two fitted networks (<c>mlContext.Subspaces().Connections</c>): a path of
/// networks indexed by t in [0, 1], with t = 0 the first network and t = 1 the second, exactly. Predicts with the
/// network at <see cref="Position"/> (0.5 unless chosen otherwise); <see cref="WithPoint"/> moves along the path
/// and <see cref="AtPoint"/> extracts the network at a point as a standard model. Path evaluation
/// (<c>mlContext.Subspaces().EvaluatePath</c>) walks it. Transformers derived from one another share the path's
/// weights; each can be disposed independently.
/// </summary>
public sealed class PathTransformer : ScorerTransformer, IPathTransformer
{
    private readonly SharedPath _path;
    private readonly Lazy<SubspaceNetwork> _network;

    internal PathTransformer(SharedPath path, double position, string featureColumnName, LabelKeyValues labels)
        : base(featureColumnName, path.Path.Spec.InputSize, labels, path.Path.Spec.Output)
    {
        if (!(position >= 0 && position <= 1)) throw new ArgumentOutOfRangeException(nameof(position), position, "A path point t must be in [0, 1].");
        _path = path;
        Position = position;
        _network = new Lazy<SubspaceNetwork>(() => path.Path.Materialize(position, path.Device), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The point t in [0, 1] this transformer predicts at.</summary>
    public double Position { get; }

    /// <summary>The connection method: "Linear", "Arc", "OT+Linear", "OT+Arc", "Linear+WA", "Arc+WA", "OT+Linear+WA" or "OT+Arc+WA".</summary>
    public string Method => _path.Path.Method.Name;

    /// <summary>The architecture of the networks on the path.</summary>
    public NetworkSpec Network => _path.Path.Spec;

    /// <summary>
    /// Number of transitions the path is made of: t is split evenly between them. One per hidden layer, plus one
    /// for the output layer with weight adjustment.
    /// </summary>
    public int TransitionCount => _path.Path.Transitions.Count;

    internal ConnectionPath Path => _path.Path;

    /// <summary>The same path, predicting with the network at <paramref name="t"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1].</exception>
    public PathTransformer WithPoint(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ThrowIfDisposed();
        return new PathTransformer(_path.Acquire(), t, FeatureColumnName, Labels);
    }

    /// <summary>
    /// The network at <paramref name="t"/> as a standard (single-point) model with its own copy of the weights:
    /// it can be saved, and outlives this transformer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1].</exception>
    public SubspaceTransformer AtPoint(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ThrowIfDisposed();
        var network = _path.Path.Materialize(t, _path.Device);
        return SubspaceTransformer.Standalone(network, FeatureColumnName, Labels, $"{Method} connection at t={t.ToString("R", CultureInfo.InvariantCulture)}");
    }

    ScorerTransformer IPathTransformer.AtPoint(double t) => AtPoint(t);

    private protected override float[] Score(ReadOnlySpan<float> features, int rows)
    {
        var network = _network.Value;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(features.ToArray(), new long[] { rows, features.Length / rows }).to(_path.Device);
        return NetworkPredictions.Of(network.Spec, network.forward(x)).cpu().data<float>().ToArray();
    }

    private protected override string WriteOnnxCore(OnnxGraph graph, string input) =>
        graph.Predictions(_network.Value.Spec, new OnnxNetworkWriter(graph, graph.Unique("net") + "/").Write(_network.Value, input));

    internal override ScorerTransformer ShareWeights()
    {
        ThrowIfDisposed();
        return new PathTransformer(_path.Acquire(), Position, FeatureColumnName, Labels);
    }

    private protected override void ReleaseResources()
    {
        if (_network.IsValueCreated) _network.Value.Dispose();
        _path.Release();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Method} connection of {Network.Describe()} ({TransitionCount} transition{(TransitionCount == 1 ? "" : "s")}), predicting at t={Position.ToString("R", CultureInfo.InvariantCulture)}";
}

/// <summary>A connection path shared, with a reference count, by the path transformers derived from one another.</summary>
internal sealed class SharedPath
{
    private readonly Holds _holds;

    public SharedPath(ConnectionPath path, Device device)
    {
        Path = path;
        Device = device;
        _holds = new Holds(path.Dispose);
    }

    public ConnectionPath Path { get; }

    /// <summary>Where materialized networks run.</summary>
    public Device Device { get; }

    public SharedPath Acquire()
    {
        _holds.Take("path's weights");
        return this;
    }

    public void Release() => _holds.Drop();
}
