using Microsoft.ML.Subspaces.Optimization;

namespace Subspaces.Samples.Common;

/// <summary>Summary statistics of epoch times (the samples' tables and the benchmark).</summary>
public static class Statistics
{
    /// <summary>The median (the mean of the two middle values for an even count).</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) throw new ArgumentException("No values.", nameof(values));
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>
    /// Seconds of the epochs worth timing: all after the first, which pays one-time costs (JIT, first allocations);
    /// the first only when it is the only one.
    /// </summary>
    public static IReadOnlyList<double> TimedEpochSeconds(IReadOnlyList<EpochSummary> history) =>
        history.Skip(history.Count > 1 ? 1 : 0).Select(e => e.Seconds).ToList();
}
