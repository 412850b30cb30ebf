using Microsoft.ML.Subspaces.Networks;
using TorchSharp;

namespace Microsoft.ML.Subspaces.Training;

/// <summary>
/// The hook that recomputes BatchNorm running statistics for weights that were never trained as such (an SWA
/// average, a point on a fitted curve): reset, one pass over the training data in train mode with a cumulative
/// average (momentum none), no gradients. Networks without buffers (the MLPs of this library) need nothing.
/// </summary>
internal static class BatchNormStatistics
{
    /// <summary>
    /// Recomputes the statistics of a one-point <paramref name="network"/> on <paramref name="data"/>. Returns
    /// false when the network holds no BatchNorm statistics (nothing to do).
    /// </summary>
    /// <exception cref="NotSupportedException">The network has buffers: BatchNorm layers are not wired to this hook yet.</exception>
    public static bool Recompute(SubspaceNetwork network, TensorDataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!network.buffers().Any()) return false;
        // MERGE POINT: BatchNorm layers (branch issue-3) own their running statistics. Wire their
        // reset + cumulative-average pass here (train mode, no_grad, batches of batchSize over data).
        throw new NotSupportedException(
            $"The network ({network.Spec.Describe()}) has BatchNorm statistics, and recomputing them for averaged weights is not implemented yet.");
    }
}
