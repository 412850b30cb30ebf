using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// BatchNorm running statistics for weights that were never trained as they are (an SWA average, for example):
/// recomputed by one cumulative-average pass over the training data, in train mode, without gradients.
/// </summary>
internal static class BatchNormStatistics
{
    /// <summary>Recomputes the statistics of a one-point network; returns false when it has no BatchNorm.</summary>
    public static bool Recompute(SubspaceNetwork network, TensorDataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!network.HasBatchNorm) return false;
        return network.RecomputeBatchNormStatistics(data.Features, batchSize);
    }
}
