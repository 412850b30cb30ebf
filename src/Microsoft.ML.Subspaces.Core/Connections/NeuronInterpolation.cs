using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Moves a set of neurons (rows of a matrix, one neuron vector per row) from their start positions to their end
/// positions: row i of the start goes to row i of the end.
/// </summary>
internal static class NeuronInterpolation
{
    /// <summary>The mean of the start and end neurons pooled together, <c>[d]</c>.</summary>
    public static Tensor PooledMean(Tensor start, Tensor end) => cat(new[] { start, end }, 0).mean(new long[] { 0 });

    /// <summary>
    /// The neurons at <paramref name="s"/> in [0, 1]: the segment for <see cref="ConnectionKind.Linear"/>; for
    /// <see cref="ConnectionKind.Arc"/>, <c>mu + cos(pi s / 2)(start - mu) + sin(pi s / 2)(end - mu)</c>.
    /// </summary>
    public static Tensor Interpolate(ConnectionKind kind, Tensor start, Tensor end, Tensor? pooledMean, double s)
    {
        switch (kind)
        {
            case ConnectionKind.Linear:
                return lerp(start, end, s);
            case ConnectionKind.Arc:
                if (pooledMean is null) throw new ArgumentNullException(nameof(pooledMean), "The arc needs the pooled mean of the neurons.");
                double angle = Math.PI * s / 2;
                double c = Math.Cos(angle), sin = Math.Sin(angle);
                // mu + c (start - mu) + s (end - mu) = c start + s end + (1 - c - s) mu
                return start.Times(c).AddScaled_(end, sin).AddScaled_(pooledMean, 1 - c - sin);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown connection kind.");
        }
    }
}
