using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// A data set as tensors, built once per fit: features <c>[N, D]</c> float32, labels <c>[N]</c> int64 (0-based
/// classes), optional example weights <c>[N]</c> float32.
/// </summary>
internal sealed class TensorDataset : IDisposable
{
    /// <summary>Wraps tensors (taking ownership).</summary>
    public TensorDataset(Tensor features, Tensor labels, int classCount, Tensor? weights = null)
    {
        if (features.dim() != 2) throw new ArgumentException("Features must be a [N, D] tensor.", nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0]) throw new ArgumentException("Labels must be a [N] tensor matching the features.", nameof(labels));
        if (weights is not null && (weights.dim() != 1 || weights.shape[0] != features.shape[0])) throw new ArgumentException("Weights must be a [N] tensor matching the features.", nameof(weights));
        Features = features;
        Labels = labels;
        Weights = weights;
        ClassCount = classCount;
    }

    /// <summary>Features <c>[N, D]</c>.</summary>
    public Tensor Features { get; }
    /// <summary>0-based class labels <c>[N]</c>.</summary>
    public Tensor Labels { get; }
    /// <summary>Example weights <c>[N]</c>, or null.</summary>
    public Tensor? Weights { get; }
    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }
    /// <summary>Rows N.</summary>
    public long Count => Features.shape[0];
    /// <summary>Features per row D.</summary>
    public long FeatureSize => Features.shape[1];

    /// <summary>Moves the tensors to <paramref name="device"/> (a no-op when already there).</summary>
    public TensorDataset To(Device device)
    {
        if (Features.device == device) return this;
        return new TensorDataset(Features.to(device), Labels.to(device), ClassCount, Weights?.to(device));
    }

    /// <summary>Creates a data set from managed arrays (row-major features).</summary>
    public static TensorDataset FromArrays(float[] features, long[] labels, int classCount, float[]? weights = null)
    {
        int n = labels.Length;
        if (n == 0 || features.Length % n != 0) throw new ArgumentException("Features must hold N * D values for N labels.", nameof(features));
        return new TensorDataset(
            tensor(features, new long[] { n, features.Length / n }),
            tensor(labels),
            classCount,
            weights is null ? null : tensor(weights));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
        Weights?.Dispose();
    }
}
