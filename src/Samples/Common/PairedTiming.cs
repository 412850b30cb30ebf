using System.Globalization;

namespace Subspaces.Samples.Common;

/// <summary>
/// Standard and line timed back to back, several rounds, alternating which goes first; the median of the per-round
/// ratios. Models fitted one after the other for minutes see different loads on a shared machine (measured here:
/// the same 20-epoch fit at 0.19 s and 0.24 s per epoch in two runs); a pair a second apart sees the same.
/// </summary>
public sealed record PairedTiming(IReadOnlyList<(double Standard, double Line)> Rounds)
{
    /// <summary>Runs <paramref name="rounds"/> rounds of <paramref name="secondsPerEpoch"/>(false) for standard and (true) for line.</summary>
    public static PairedTiming Run(Func<bool, double> secondsPerEpoch, int rounds = 5)
    {
        var pairs = new List<(double, double)>();
        for (int round = 0; round < rounds; round++)
        {
            if (round % 2 == 0) { double s = secondsPerEpoch(false); pairs.Add((s, secondsPerEpoch(true))); }
            else { double l = secondsPerEpoch(true); pairs.Add((secondsPerEpoch(false), l)); }
        }
        return new PairedTiming(pairs);
    }

    /// <summary>Median seconds per epoch of standard.</summary>
    public double Standard => Statistics.Median(Rounds.Select(p => p.Standard));
    /// <summary>Median seconds per epoch of line.</summary>
    public double Line => Statistics.Median(Rounds.Select(p => p.Line));
    /// <summary>Median of the per-round ratios line / standard.</summary>
    public double Ratio => Statistics.Median(Rounds.Select(p => p.Line / p.Standard));

    /// <summary>One line: medians, the ratio and every round's ratio.</summary>
    public string Describe(string what, int decimals = 3) =>
        $"paired timing ({what}, back to back, {Rounds.Count} rounds, alternating which goes first): median seconds per epoch " +
        $"standard {Standard.ToString("F" + decimals, CultureInfo.InvariantCulture)}, line {Line.ToString("F" + decimals, CultureInfo.InvariantCulture)}; " +
        $"median line / standard ratio {Ratio.ToString("F2", CultureInfo.InvariantCulture)}x " +
        $"(rounds: {string.Join(", ", Rounds.Select(p => (p.Line / p.Standard).ToString("F2", CultureInfo.InvariantCulture)))})";
}
