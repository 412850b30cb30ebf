using System.Globalization;

namespace Subspaces.Samples.Common;

/// <summary>
/// Several models timed back to back, several rounds, rotating which goes first. Models fitted one after the other
/// for minutes see different loads on a shared machine (measured here: the same 20-epoch fit at 0.19 s and 0.24 s
/// per epoch in two runs); fits a second apart see about the same, and more rounds give each model more moments.
/// </summary>
public sealed record InterleavedTiming(IReadOnlyList<string> Models, IReadOnlyList<double[]> Rounds)
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of <paramref name="secondsPerEpoch"/>(model index) for every model; round
    /// r starts with model r mod the number of models.
    /// </summary>
    public static InterleavedTiming Run(IReadOnlyList<string> models, Func<int, double> secondsPerEpoch, int rounds = 5)
    {
        var results = new List<double[]>();
        for (int round = 0; round < rounds; round++)
        {
            var seconds = new double[models.Count];
            for (int i = 0; i < models.Count; i++)
            {
                int model = (round + i) % models.Count;
                seconds[model] = secondsPerEpoch(model);
            }
            results.Add(seconds);
        }
        return new InterleavedTiming(models, results);
    }

    /// <summary>The smallest of a model's rounds.</summary>
    public double Fastest(int model) => Rounds.Min(r => r[model]);

    /// <summary>The median of a model's rounds.</summary>
    public double Median(int model) => Statistics.Median(Rounds.Select(r => r[model]));

    /// <summary>The median of the per-round ratios <paramref name="model"/> / <paramref name="baseline"/>.</summary>
    public double Ratio(int model, int baseline) => Statistics.Median(Rounds.Select(r => r[model] / r[baseline]));

    /// <summary>One line: each model's median, the ratio of <paramref name="model"/> to <paramref name="baseline"/> and every round's ratio.</summary>
    public string Describe(string what, int model, int baseline, int decimals = 3)
    {
        string F(double v, int d) => v.ToString("F" + d, CultureInfo.InvariantCulture);
        return $"interleaved timing ({what}, back to back, {Rounds.Count} rounds, rotating which goes first): median seconds per epoch " +
               string.Join(", ", Models.Select((name, i) => $"{name} {F(Median(i), decimals)}")) + "; " +
               $"median {Models[model]} / {Models[baseline]} ratio {F(Ratio(model, baseline), 2)}x " +
               $"(rounds: {string.Join(", ", Rounds.Select(r => F(r[model] / r[baseline], 2)))})";
    }
}
