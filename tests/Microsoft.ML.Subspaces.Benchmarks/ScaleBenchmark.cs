using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>
/// <c>--scale [--rows N] [--features D]</c>: a synthetic regression set of N x D floats (default 4,000,000 x 100: 1.6 GB of
/// features), generated row by row by an <see cref="IDataView"/> that holds none of it, trained in memory for one epoch.
/// Prints the peak resident memory of the process (VmHWM) against the feature bytes, and the time to read and to train.
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        long rows = QuickBenchmark.ArgValue(args, "--rows", 4_000_000);
        int features = QuickBenchmark.ArgValue(args, "--features", 100);
        if (args.Contains("--scale-stream")) return Streaming(rows, features);
        long featureBytes = rows * features * sizeof(float);
        Console.WriteLine($"synthetic regression: {rows:N0} rows x {features} features = {Measure.Mb(featureBytes)} of features; peak resident before training {Measure.Mb(PeakResident())}");
        var ml = new MLContext(seed: 1);
        var (read, epoch, model) = Fit(ml, new SyntheticRows(rows, features), bufferRows: null);
        long peak = PeakResident();
        double ratio = (double)peak / featureBytes;
        Console.WriteLine($"in memory: read {read:F0} s, one epoch {epoch:F1} s ({rows / epoch:N0} rows/s); peak resident {Measure.Mb(peak)} = {ratio:F2}x the features " +
                          $"(model {model / 1024.0:F0} KB); " + (peak <= 1.4 * featureBytes + model ? "met" : "MISSED") + " <= 1.4x the features plus the model");

        // Streaming, in a process of its own (peak memory is per process): from the library's rows file on disk.
        var self = System.Diagnostics.Process.GetCurrentProcess().MainModule!.FileName;
        var start = new System.Diagnostics.ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ScaleBenchmark).Assembly.Location);
        foreach (var a in new[] { "--scale", "--scale-stream", "--rows", rows.ToString(CultureInfo.InvariantCulture), "--features", features.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var child = System.Diagnostics.Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Console.Write(output);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("streaming rows/s ", StringComparison.Ordinal));
        if (line is not null && double.TryParse(line["streaming rows/s ".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var streamRate))
            Console.WriteLine($"streaming throughput {streamRate / (rows / epoch):P0} of in memory " + (streamRate >= 0.7 * rows / epoch ? "met" : "MISSED") + " >= 70%");
        return child.ExitCode;
    }

    private static int Streaming(long rows, int features)
    {
        var ml = new MLContext(seed: 1);
        // The library's rows file: ML.NET's binary format decompresses every block on one thread, which alone took longer
        // (5.9 s for these 4M rows) than an in-memory epoch of this network.
        string file = Path.Combine(Path.GetTempPath(), $"subspaces-scale-{rows}x{features}.rows");
        if (!File.Exists(file))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ml.Subspaces().Data.SaveRows(new SyntheticRows(rows, features), file);
            Console.WriteLine($"wrote {file} ({Measure.Mb(new FileInfo(file).Length)}) in {clock.Elapsed.TotalSeconds:F0} s");
        }
        long before = PeakResident();
        var data = ml.Subspaces().Data.LoadRows(file);
        var (read, epoch, _) = Fit(ml, data, bufferRows: 65536);
        long peak = PeakResident();
        Console.WriteLine($"streaming (shuffle buffer 65,536 rows) from the library's rows file: first pass {read:F0} s, one epoch {epoch:F1} s ({rows / epoch:N0} rows/s); " +
                          $"peak resident {Measure.Mb(peak)} (before {Measure.Mb(before)}) " + (peak < 1L << 30 ? "met" : "MISSED") + " < 1 GB");
        Console.WriteLine(FormattableString.Invariant($"streaming rows/s {rows / epoch}"));
        return 0;
    }

    /// <summary>One epoch of a small standard regression MLP: seconds until the first batch (reading), seconds of the epoch, model bytes.</summary>
    private static (double Read, double Epoch, long ModelBytes) Fit(MLContext ml, IDataView data, int? bufferRows)
    {
        var options = new StandardTrainerOptions { HiddenLayers = new[] { 64 }, Epochs = 1, BatchSize = 1024, Seed = 1, ShuffleBufferRows = bufferRows };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double firstBatch = 0;
        options.Progress = new Measure.Progress<Optimization.TrainingProgress>(p => { if (firstBatch == 0) firstBatch = clock.Elapsed.TotalSeconds; });
        using var model = ml.Subspaces().Regression.Trainers.Standard(options).Fit(data);
        double total = clock.Elapsed.TotalSeconds;
        return (firstBatch, total - firstBatch, model.Network.MinimumParameterCount() * sizeof(float));
    }

    /// <summary>VmHWM: the most resident memory this process has had.</summary>
    private static long PeakResident()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return Measure.ResidentBytes();
    }

    /// <summary>Rows generated on demand: features from a hash of (row, column) in [-1, 1], the label a fixed function of a few.</summary>
    private sealed class SyntheticRows(long rows, int features) : IDataView
    {
        public DataViewSchema Schema { get; } = BuildSchema(features);
        public bool CanShuffle => false;
        public long? GetRowCount() => rows;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, rows, features);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

        private static DataViewSchema BuildSchema(int features)
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumn("Label", NumberDataViewType.Single);
            builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, features));
            return builder.ToSchema();
        }

        private static float Value(long row, int column)
        {
            ulong h = (ulong)row * 0x9E3779B97F4A7C15UL ^ (ulong)column * 0xC2B2AE3D27D4EB4FUL;
            h ^= h >> 31; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 29;
            return (float)((h >> 11) * (1.0 / (1UL << 53)) * 2 - 1);
        }

        private sealed class Cursor(SyntheticRows parent, long rows, int features) : DataViewRowCursor
        {
            private long _position = -1;
            public override DataViewSchema Schema => parent.Schema;
            public override long Position => _position;
            public override long Batch => 0;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override bool MoveNext() => ++_position < rows;
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                if (column.Name == "Label")
                {
                    ValueGetter<float> label = (ref float v) => v = 3 * Value(_position, 0) - 2 * Value(_position, 1) + Value(_position, 2) * Value(_position, 3);
                    return (ValueGetter<TValue>)(Delegate)label;
                }
                ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> v) =>
                {
                    var editor = VBufferEditor.Create(ref v, features);
                    for (int j = 0; j < features; j++) editor.Values[j] = Value(_position, j);
                    v = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)getter;
            }
        }
    }
}
