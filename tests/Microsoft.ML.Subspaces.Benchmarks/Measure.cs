using System.Diagnostics;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>Small measuring helpers: medians, percentiles, process memory.</summary>
internal static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) throw new ArgumentException("No values.");
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v[Math.Min(v.Length - 1, (int)Math.Ceiling(p * v.Length) - 1)];
    }

    public static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Resident set size of this process, from /proc/self/statm (falls back to the working set).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1]) * Environment.SystemPageSize;
        }
        catch (IOException) { return Process.GetCurrentProcess().WorkingSet64; }
    }

    /// <summary>Managed heap in use.</summary>
    public static long ManagedBytes() => GC.GetTotalMemory(false);

    /// <summary>Resident memory not committed by the GC: libtorch tensors and other native allocations.</summary>
    public static long NativeBytes() => ResidentBytes() - GC.GetGCMemoryInfo().TotalCommittedBytes;

    public static string Mb(long bytes) => $"{bytes / 1048576.0:F0} MB";

    public sealed class Progress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
