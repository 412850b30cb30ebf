using System.Globalization;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A weight-adjusted connection between two of the library's ConvNets
/// (<c>mlContext.Subspaces().Connections.WeightAdjustedConvNets</c>): a path of networks indexed by t in [0, 1], t = 0
/// the first model and t = 1 the second (channels aligned to the first's when optimal transport is on: the same
/// function as the second). Every point is computed on demand (a least-squares solve and a BatchNorm statistics pass),
/// so the path is not a transformer itself: <see cref="AtPoint"/> gives the network at t as a standard model, which
/// predicts, evaluates and saves like any other, and <c>mlContext.Subspaces().EvaluatePath</c> walks the path.
/// Owns the two networks and the training rows it re-solves on; dispose it when done.
/// </summary>
public sealed class ConvNetConnection : IPathTransformer, IDisposable
{
    private readonly ConvNetWeightAdjustedPath _path;
    private readonly string _featureColumnName;
    private readonly LabelKeyValues _labels;
    private int _disposed;

    internal ConvNetConnection(ConvNetWeightAdjustedPath path, string method, string featureColumnName, LabelKeyValues labels)
    {
        _path = path;
        Method = method;
        _featureColumnName = featureColumnName;
        _labels = labels;
    }

    /// <summary>The connection method: "Linear+WA", or "OT+Linear+WA" with the channels aligned first.</summary>
    public string Method { get; }

    /// <summary>The architecture of the networks on the path.</summary>
    public NetworkSpec Network => _path.Spec;

    /// <summary>Stages the path is made of, t split evenly between them: one per convolutional block and one for the classifier.</summary>
    public int StageCount => _path.StageCount;

    /// <summary>The network at <paramref name="t"/> as a standard (single-point) model with its own weights and BatchNorm statistics.</summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1].</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public SubspaceTransformer AtPoint(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return SubspaceTransformer.Standalone(_path.Materialize(t), _featureColumnName, _labels,
            $"{Method} connection at t={t.ToString("R", CultureInfo.InvariantCulture)}");
    }

    ScorerTransformer IPathTransformer.AtPoint(double t) => AtPoint(t);

    /// <summary>Frees the path's networks and training rows.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _path.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Method} connection of {Network.Describe()} ({StageCount} stages)";
}
