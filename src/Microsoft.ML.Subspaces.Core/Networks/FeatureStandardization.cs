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
    /// standardized, a rare category would become the largest input of all.
    /// </summary>
    public static (double[] Mean, double[] Std) Fit(Tensor features)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean(new long[] { 0 });
        var std = (x - mean).square().mean(new long[] { 0 }).sqrt();
        var range = x.amax(new long[] { 0 }) - x.amin(new long[] { 0 });
        var indicator = (x * (x - 1)).abs().amax(new long[] { 0 }).eq(0).cpu().data<bool>().ToArray();
        var m = mean.cpu().data<double>().ToArray();
        var s = std.cpu().data<double>().ToArray();
        var r = range.cpu().data<double>().ToArray();
        for (int j = 0; j < s.Length; j++)
        {
            if (indicator[j])
            {
                (m[j], s[j]) = (0, 1);
                continue;
            }
            s[j] = Math.Max(s[j], r[j] / MaximumSpread);
            if (!(s[j] > 0) || !double.IsFinite(s[j])) s[j] = 1;
        }
        return (m, s);
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
