using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// Per-feature statistics gathered in one pass over chunks of rows (streamed training data): count, mean and sum of
/// squared deviations combined chunk by chunk (Chan et al.'s pairwise update, in float64), minimum, maximum, and whether
/// the feature holds only 0 and 1. Gives the standardization of <see cref="FeatureStandardization"/>, per feature or per
/// channel of planar images.
/// </summary>
internal sealed class FeatureStatistics
{
    private readonly double[] _mean, _m2, _min, _max;
    private readonly bool[] _indicator;

    public FeatureStatistics(int features)
    {
        _mean = new double[features];
        _m2 = new double[features];
        _min = Enumerable.Repeat(double.PositiveInfinity, features).ToArray();
        _max = Enumerable.Repeat(double.NegativeInfinity, features).ToArray();
        _indicator = Enumerable.Repeat(true, features).ToArray();
    }

    /// <summary>Rows added.</summary>
    public long Count { get; private set; }

    /// <summary>Adds a chunk of rows <c>[rows, features]</c> (any float type).</summary>
    public void Add(Tensor chunk)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = chunk.to_type(ScalarType.Float64);
        long n = x.shape[0];
        if (n == 0) return;
        var mean = x.mean(new long[] { 0 });
        var m2 = (x - mean).Squared().sum(new long[] { 0 }).data<double>().ToArray();
        var chunkMean = mean.data<double>().ToArray();
        var min = x.amin(new long[] { 0 }).data<double>().ToArray();
        var max = x.amax(new long[] { 0 }).data<double>().ToArray();
        var notBinary = x.mul(x.Minus(1)).abs().amax(new long[] { 0 }).NotEqual(0).data<bool>().ToArray();
        double total = Count + n;
        for (int j = 0; j < _mean.Length; j++)
        {
            double delta = chunkMean[j] - _mean[j];
            _mean[j] += delta * n / total;
            _m2[j] += m2[j] + delta * delta * Count * n / total;
            _min[j] = Math.Min(_min[j], min[j]);
            _max[j] = Math.Max(_max[j], max[j]);
            _indicator[j] &= !notBinary[j];
        }
        Count += n;
    }

    /// <summary>The standardization of every feature.</summary>
    public (double[] Mean, double[] Std) PerFeature() =>
        FeatureStandardization.Rule(_mean, _m2.Select(v => v / Count).ToArray(), _min, _max, _indicator);

    /// <summary>
    /// The standardization of each of <paramref name="channels"/> channels of planar images (features channel-major): the
    /// statistics of all its pixels, from those of its features (equal counts).
    /// </summary>
    public (double[] Mean, double[] Std) PerChannel(int channels)
    {
        int pixels = _mean.Length / channels;
        var mean = new double[channels];
        var variance = new double[channels];
        var min = new double[channels];
        var max = new double[channels];
        var indicator = new bool[channels];
        for (int c = 0; c < channels; c++)
        {
            var f = Enumerable.Range(c * pixels, pixels).ToArray();
            mean[c] = f.Average(j => _mean[j]);
            variance[c] = f.Average(j => _m2[j] / Count + (_mean[j] - mean[c]) * (_mean[j] - mean[c]));
            min[c] = f.Min(j => _min[j]);
            max[c] = f.Max(j => _max[j]);
            indicator[c] = f.All(j => _indicator[j]);
        }
        return FeatureStandardization.Rule(mean, variance, min, max, indicator);
    }
}
