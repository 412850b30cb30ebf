using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// The statistics of input standardization: fitted on the training rows (<see cref="Fit"/>), carried by the
/// <see cref="NetworkSpec"/> and applied inside the network by <see cref="InputStandardization"/>.
/// </summary>
internal static class FeatureStandardization
{
    /// <summary>
    /// Fits the standardization of the columns of <paramref name="features"/> <c>[N, D]</c> (in float64): every column is
    /// centered on its mean and divided by <c>max(std, range / <see cref="MaximumSpread"/>)</c>, so that no training value
    /// lands more than <see cref="MaximumSpread"/> divisors from the mean, however skewed the column (counts, money) or
    /// however rarely it is non-zero (border pixels); a constant column is only centered. Scaling a column by any positive
    /// factor changes nothing the network sees. Columns holding only 0 and 1 (indicators, one-hot encodings) pass through:
    /// standardized, a rare category would become the largest input of all. Reads the rows in chunks (two passes: mean,
    /// then squared deviations), so that no float64 copy of the whole data is made.
    /// </summary>
    public static (double[] Mean, double[] Std) Fit(Tensor features) => FitColumns(features, channels: 0);

    /// <summary>
    /// As <see cref="Fit(Tensor)"/>, but per channel of planar images: <paramref name="features"/> <c>[N, C*H*W]</c>, each
    /// channel's statistics over every row and pixel.
    /// </summary>
    public static (double[] Mean, double[] Std) FitChannels(Tensor features, int channels) =>
        channels >= 1 ? FitColumns(features, channels) : throw new ArgumentOutOfRangeException(nameof(channels), channels, "At least one channel.");

    private const long ChunkValues = 1 << 22; // values per chunk: 32 MB of float64

    private static (double[] Mean, double[] Std) FitColumns(Tensor features, int channels)
    {
        using var _ = no_grad();
        long n = features.shape[0], d = features.shape[1];
        long columns = channels > 0 ? channels : d;
        long rowsPerChunk = Math.Max(1, ChunkValues / Math.Max(1, d));
        // A chunk of rows as float64 [values, columns]: the rows themselves, or every pixel of the rows per channel.
        Tensor Chunk(long start)
        {
            var x = features.narrow(0, start, Math.Min(rowsPerChunk, n - start)).to_type(ScalarType.Float64);
            return channels > 0 ? x.view(x.shape[0], channels, -1).transpose(1, 2).reshape(-1, channels) : x;
        }

        double count = 0;
        double[] sum = new double[columns], min = new double[columns], max = new double[columns];
        bool[] indicator = new bool[columns];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        Array.Fill(indicator, true);
        for (long start = 0; start < n; start += rowsPerChunk)
        {
            using var scope = NewDisposeScope();
            var x = Chunk(start);
            count += x.shape[0];
            Add(sum, x.sum(new long[] { 0 }), (a, b) => a + b);
            Add(min, x.amin(new long[] { 0 }), Math.Min);
            Add(max, x.amax(new long[] { 0 }), Math.Max);
            var notBinary = x.mul(x.Minus(1)).abs().amax(new long[] { 0 }).NotEqual(0).cpu().data<bool>().ToArray();
            for (int j = 0; j < columns; j++) indicator[j] &= !notBinary[j];
        }
        var mean = sum.Select(v => v / count).ToArray();
        var squares = new double[columns];
        using (var meanTensor = tensor(mean, dtype: ScalarType.Float64))
        {
            for (long start = 0; start < n; start += rowsPerChunk)
            {
                using var scope = NewDisposeScope();
                Add(squares, (Chunk(start) - meanTensor.to(features.device)).Squared().sum(new long[] { 0 }), (a, b) => a + b);
            }
        }
        return Rule(mean, squares.Select(v => v / count).ToArray(), min, max, indicator);
    }

    /// <summary>
    /// The standardization of columns with these statistics: indicator columns pass through (mean 0, divisor 1); the
    /// others are centered and divided by <c>max(std, range / MaximumSpread)</c>, or 1 when that is not positive.
    /// </summary>
    internal static (double[] Mean, double[] Std) Rule(double[] mean, double[] variance, double[] min, double[] max, bool[] indicator)
    {
        int columns = mean.Length;
        var m = new double[columns];
        var s = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            if (indicator[j])
            {
                (m[j], s[j]) = (0, 1);
                continue;
            }
            m[j] = mean[j];
            s[j] = Math.Max(Math.Sqrt(variance[j]), (max[j] - min[j]) / MaximumSpread);
            if (!(s[j] > 0) || !double.IsFinite(s[j])) s[j] = 1;
        }
        return (m, s);
    }

    private static void Add(double[] into, Tensor values, Func<double, double, double> combine)
    {
        var v = values.cpu().data<double>().ToArray();
        for (int j = 0; j < into.Length; j++) into[j] = combine(into[j], v[j]);
    }

    /// <summary>The farthest, in divisors, a standardized training value can be from its column's mean.</summary>
    public const double MaximumSpread = 4;

    /// <summary>Applies the standardization of <paramref name="spec"/> to float64 features <c>[N, D]</c> (a new tensor), or returns them as they are.</summary>
    public static Tensor Apply(NetworkSpec spec, Tensor features)
    {
        if (spec.FeatureMean is not { Length: > 0 }) return features.alias();
        using var scope = NewDisposeScope();
        var mean = tensor(spec.FeatureMean, dtype: features.dtype, device: features.device).view(1, -1);
        var std = tensor(spec.FeatureStd, dtype: features.dtype, device: features.device).view(1, -1);
        return ((features - mean) / std).MoveToOuterDisposeScope();
    }
}
