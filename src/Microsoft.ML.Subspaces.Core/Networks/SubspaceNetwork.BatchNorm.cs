using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

internal abstract partial class SubspaceNetwork
{
    /// <summary>The BatchNorm layers, in forward order (empty for an MLP).</summary>
    public IEnumerable<SubspaceBatchNorm2d> BatchNormLayers => SubspaceLayers.OfType<SubspaceBatchNorm2d>();

    /// <summary>True when the network has BatchNorm layers, whose statistics must be recomputed for the point it predicts with.</summary>
    public bool HasBatchNorm => SubspaceLayers.Any(l => l is SubspaceBatchNorm2d);

    /// <summary>
    /// Recomputes the BatchNorm running statistics of this one-point (materialized) network for its own weights:
    /// resets them, then makes one pass over <paramref name="sampleFeatures"/> (rows of training features, on any
    /// device) in batches of <paramref name="batchSize"/>, in training mode and without gradients, with a cumulative
    /// average (the n-th batch gets weight <c>1/n</c>: PyTorch's <c>momentum=None</c>). The network is left in eval
    /// mode. Statistics gathered while training sampled random points belong to no point; this gives the ones of
    /// the point the network is. Returns false, doing nothing, when the network has no BatchNorm.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network has several points (materialize one first).</exception>
    /// <exception cref="ArgumentException">The sample is empty or <paramref name="batchSize"/> is not positive.</exception>
    public bool RecomputeBatchNormStatistics(Tensor sampleFeatures, int batchSize) =>
        RecomputeBatchNormStatistics(sampleFeatures, batchSize, BatchNormLayers.ToArray(), forward);

    /// <summary>
    /// As <see cref="RecomputeBatchNormStatistics(Tensor, int)"/> for <paramref name="layers"/> only, running
    /// <paramref name="pass"/> instead of the whole forward pass: the pass must reach those BatchNorm layers and no other
    /// (in training mode any layer it reaches updates its statistics).
    /// </summary>
    internal bool RecomputeBatchNormStatistics(Tensor sampleFeatures, int batchSize, IReadOnlyList<SubspaceBatchNorm2d> layers, Func<Tensor, Tensor> pass)
    {
        ArgumentNullException.ThrowIfNull(sampleFeatures);
        if (layers.Count == 0) return false;
        if (PointCount != 1)
            throw new InvalidOperationException($"BatchNorm statistics belong to one point; this network has {PointCount}. Recompute them on Materialize(coefficients).");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        long n = sampleFeatures.dim() == 0 ? 0 : sampleFeatures.shape[0];
        if (n < 1) throw new ArgumentException("The sample for recomputing BatchNorm statistics has no rows.", nameof(sampleFeatures));

        var momenta = layers.Select(l => l.Momentum).ToArray();
        var device = Device;
        try
        {
            foreach (var layer in layers)
            {
                layer.ResetRunningStatistics();
                layer.Momentum = null;
            }
            train();
            using var _ = no_grad();
            foreach (var (start, length) in Batches(n, batchSize))
            {
                using var scope = NewDisposeScope();
                var x = sampleFeatures.narrow(0, start, length);
                if (x.device != device) x = x.to(device);
                pass(x);
            }
        }
        finally
        {
            for (int i = 0; i < layers.Count; i++) layers[i].Momentum = momenta[i];
            eval();
        }
        return true;
    }

    /// <summary>Consecutive batches covering n rows; a last batch of a single row is avoided (BatchNorm cannot normalize one value per channel).</summary>
    internal static IEnumerable<(long Start, long Length)> Batches(long n, int batchSize)
    {
        long start = 0;
        while (start < n)
        {
            long length = Math.Min(batchSize, n - start);
            if (n - start - length == 1 && length > 2) length--; // leave two rows for the last batch instead of one
            yield return (start, length);
            start += length;
        }
    }
}
