using System.Diagnostics;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>Small measuring helpers: percentiles, process memory (medians: <c>Statistics.Median</c> in the samples' Common).</summary>
internal static class Measure
{
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
