using System.Diagnostics;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>
/// The longer version of the reliability tests, printing figures: resident memory over many point copies and a large
/// sampled ensemble (growth after the first ten rounds), random mutations of a saved model (outcomes and peak memory),
/// and engines disposed at random while others predict. <c>-- --reliability [--mutations N] [--rounds N]</c>.
/// </summary>
internal static class ReliabilitySoak
{
    public static int Run(string[] args)
    {
        int mutations = QuickBenchmark.ArgValue(args, "--mutations", 5000);
        int rounds = QuickBenchmark.ArgValue(args, "--rounds", 200);
        var data = new BenchmarkData(trainRows: 2000);
        var ml = data.Context;
        using var line = ml.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = 2, HiddenLayers = new[] { 256, 256 }, Seed = 1 }).Fit(data.TrainData);
        var test = ml.Data.TakeRows(data.TestData, 200);
        Console.WriteLine($"Reliability soak: line MLP 784-256-256-10 on 2,000 MNIST rows; {mutations} mutations, {rounds} engine rounds.");
        Console.WriteLine();

        // 1. Memory over prediction-time options.
        var copies = Growth(40, i => { using var c = line.WithPoint(i % 400 / 399.0); Consume(ml, c, test); });
        var sampled = Growth(40, _ => { using var e = line.WithEnsemble(SubspaceEnsemble.Sampled(100)); Consume(ml, e, test); });
        Console.WriteLine("memory (resident)                                after round 10   after round 40   growth   goal");
        Console.WriteLine($"400 WithPoint copies (10 per round)              {Measure.Mb(copies.At10),14}   {Measure.Mb(copies.AtEnd),14}   {copies.Percent,5:F1} %   {(copies.Percent <= 5 ? "met" : "NOT met")} <= 5%");
        Console.WriteLine($"Sampled(100) ensemble, 40 transforms of 200 rows {Measure.Mb(sampled.At10),14}   {Measure.Mb(sampled.AtEnd),14}   {sampled.Percent,5:F1} %   {(sampled.Percent <= 5 ? "met" : "NOT met")} <= 5%");
        Console.WriteLine();

        // 2. Mutated model files.
        byte[] saved;
        using (var m = new MemoryStream()) { ml.Subspaces().Model.Save(line, data.TrainData.Schema, m); saved = m.ToArray(); }
        var outcomes = new Dictionary<string, int>();
        var random = new Random(7);
        long before = Process.GetCurrentProcess().PeakWorkingSet64;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < mutations; i++)
        {
            var bytes = Mutate(saved, random, i);
            string outcome;
            try
            {
                using var loaded = (IDisposable)ml.Subspaces().Model.Load(new MemoryStream(bytes), out _);
                outcome = "loaded";
            }
            catch (InvalidDataException) { outcome = "InvalidDataException"; }
            catch (Exception e) { outcome = e.GetType().Name; }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"model file of {saved.Length / 1024.0:F0} KB, {mutations} random mutations in {clock.Elapsed.TotalSeconds:F0}s: " +
                          string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")) +
                          $"; peak resident {Measure.Mb(peak)} (before: {Measure.Mb(before)})");
        Console.WriteLine();

        // 3. Engines disposed at random while others predict.
        var rows = data.Test.Slice(0, 20);
        int errors = 0;
        clock.Restart();
        var features = Enumerable.Range(0, rows.Count).Select(i => rows.Features.AsSpan(i * 784, 784).ToArray()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            var model = line.AtCenter();
            var engines = Enumerable.Range(0, 8).Select(_ => ml.Model.CreatePredictionEngine<Row, Prediction>(model)).ToArray();
            var tasks = Enumerable.Range(4, 4).Select(e => Task.Run(() =>
            {
                try { foreach (var f in features) engines[e].Predict(new Row { Features = f }); }
                catch (Exception) { Interlocked.Increment(ref errors); }
            })).ToArray();
            foreach (var e in Enumerable.Range(0, 4).OrderBy(_ => random.Next())) engines[e].Dispose();
            Task.WaitAll(tasks);
            foreach (var engine in engines.Skip(4)) engine.Dispose();
        }
        Console.WriteLine($"{rounds} rounds of 8 engines, 4 disposed at random while 4 predict: {errors} errors, {clock.Elapsed.TotalSeconds:F0}s");
        return 0;
    }

    public sealed class Row
    {
        [Microsoft.ML.Data.VectorType(784)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private sealed record MemoryGrowth(long At10, long AtEnd)
    {
        public double Percent => 100.0 * (AtEnd - At10) / At10;
    }

    private static MemoryGrowth Growth(int rounds, Action<int> round)
    {
        long at10 = 0;
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < 10; i++) round(r * 10 + i);
            if (r == 9) at10 = Settled();
        }
        return new MemoryGrowth(at10, Settled());
    }

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Measure.ResidentBytes();
    }

    private static void Consume(MLContext ml, ITransformer model, IDataView data) =>
        ml.MulticlassClassification.Evaluate(model.Transform(data));

    private static byte[] Mutate(byte[] saved, Random random, int i)
    {
        var bytes = (byte[])saved.Clone();
        switch (i % 4)
        {
            case 0:
                for (int k = random.Next(1, 9); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                return bytes;
            case 1:
                return bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            case 2:
                int start = random.Next(bytes.Length), length = Math.Min(random.Next(1, 64), bytes.Length - start);
                random.NextBytes(bytes.AsSpan(start, length));
                return bytes;
            default:
                var junk = new byte[random.Next(1, 32)];
                random.NextBytes(junk);
                return junk.Concat(bytes).ToArray();
        }
    }
}
