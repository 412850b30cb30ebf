using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;
using Subspaces.Samples.Terminal;

namespace Subspaces.Samples;

/// <summary>
/// The main sample: Standard, Line and layer-wise Line MLPs (784-512-512-10) on the shared MNIST split
/// (first 8,000 rows train, last 2,000 test), the recipe of ../shared/anchors/torch_subspace_mnist.py, and
/// one table of accuracy, log-loss and ECE (20 bins) with training seconds per epoch (median over the epochs after the first).
/// </summary>
public static class MainSample
{
    /// <summary>Epochs of each extra timing fit.</summary>
    private const int TimingEpochs = 4;

    public static int Run(SampleOptions options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        if (options.LabelNoise > 0)
            train = train.WithLabels(LabelNoise.Inject(train.Labels, options.LabelNoise, 10, seed: 1234));
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; label noise {options.LabelNoise:P0} (training split only); " +
                          $"{options.Epochs} epochs, batch 128, SGD lr 0.05 momentum 0.9 cosine, weight decay 1e-4, beta 1; seed {options.Seed}.");
        Console.WriteLine();

        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        var rows = new List<(string Name, SubspaceMetrics Metrics, string Time)>();

        WarmUp(trainData);
        var standard = Fit("standard", new StandardTrainerOptions { Epochs = options.Epochs }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count, out var standardTime);
        var standard2 = Fit("standard (2nd seed)", new StandardTrainerOptions { Epochs = options.Epochs }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count, out _);
        var line = Fit("line", new LineTrainerOptions { Epochs = options.Epochs }, o => ml.Subspaces().Trainers.Line(o), trainData, train.Count, out var lineTime);
        var layerWise = Fit("layer-wise line", new LineTrainerOptions { Epochs = options.Epochs, LayerWise = true }, o => ml.Subspaces().Trainers.Line(o), trainData, train.Count, out var layerWiseTime);

        // The fits above run one after the other for seconds each; on a shared machine other tenants' load comes and
        // goes and only ever adds time. Six more four-epoch fits of each, back to back and rotating, give every
        // model more epochs to time at other moments; a model's cost is its fastest timed epoch.
        var timingContext = new MLContext(seed: 1);
        var timing = InterleavedTiming.Run(new[] { "standard", "line", "layer-wise line" }, model =>
        {
            SubspaceTrainer trainer = model switch
            {
                0 => timingContext.Subspaces().Trainers.Standard(new StandardTrainerOptions { Epochs = TimingEpochs }),
                1 => timingContext.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = TimingEpochs }),
                _ => timingContext.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = TimingEpochs, LayerWise = true }),
            };
            using var fitted = trainer.Fit(trainData);
            return Statistics.TimedEpochSeconds(fitted.TrainingHistory).Min();
        }, rounds: 6);
        double standardFastest = Math.Min(standardTime.Fastest, timing.Fastest(0));
        double lineFastest = Math.Min(lineTime.Fastest, timing.Fastest(1));
        double layerWiseFastest = Math.Min(layerWiseTime.Fastest, timing.Fastest(2));

        rows.Add(("standard", Evaluate(ml, standard, testData), standardTime.ToString()));
        rows.Add(("independent ensemble (2 standard)", EvaluateAveraged(ml, new[] { standard, standard2 }, testData), ""));
        AddSubspaceRows(ml, rows, "line", line, testData, lineTime.ToString());
        AddSubspaceRows(ml, rows, "layer-wise line", layerWise, testData, layerWiseTime.ToString());

        Console.WriteLine($"{"model",-44} {"accuracy",9} {"log-loss",9} {"ECE",7} {"s/epoch",8}");
        Console.WriteLine(new string('-', 81));
        foreach (var (name, m, time) in rows)
            Console.WriteLine($"{name,-44} {m.Accuracy * 100,8:F2}% {m.LogLoss,9:F4} {m.ExpectedCalibrationError,7:F4} {time,8}");
        Console.WriteLine();
        Console.WriteLine($"training time, line / standard: {lineFastest / standardFastest:F2}x; layer-wise line / standard: {layerWiseFastest / standardFastest:F2}x " +
                          $"(fastest epoch: standard {standardFastest:F3}s, line {lineFastest:F3}s, layer-wise {layerWiseFastest:F3}s, over the {options.Epochs - 1} " +
                          $"timed epochs of the fit above and {timing.Rounds.Count} more {TimingEpochs}-epoch fits of each (first epoch untimed), interleaved)");
        Console.WriteLine($"by median epoch of the fits above (the s/epoch column; load elsewhere during a fit adds to it): line / standard " +
                          $"{lineTime.Median / standardTime.Median:F2}x, layer-wise line / standard {layerWiseTime.Median / standardTime.Median:F2}x");
        return 0;
    }

    /// <summary>
    /// Four untimed epochs of each kind on 2,048 rows (64 batches), in a context of its own (the timed fits draw the
    /// same seeds as without it). The first fit in a process runs while the JIT is still recompiling hot code in the
    /// background (measured: 0.25 s per epoch against 0.19 s for the same fit repeated), which would count against
    /// whichever model comes first; one epoch on 1,024 rows (8 batches) was too short for that (the first model's
    /// median epoch 0.19-0.32 s against 0.18-0.20 s for the same model fitted next).
    /// </summary>
    private static void WarmUp(IDataView trainData)
    {
        var clock = Stopwatch.StartNew();
        var warm = new MLContext(seed: 0);
        var rows = warm.Data.TakeRows(trainData, 2048);
        using (warm.Subspaces().Trainers.Standard(new StandardTrainerOptions { Epochs = 4 }).Fit(rows)) { }
        using (warm.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = 4 }).Fit(rows)) { }
        Console.WriteLine($"warm-up (four untimed epochs of standard and line on 2,048 rows): {clock.Elapsed.TotalSeconds:F1}s");
    }

    private sealed record EpochTime(double Median, double Fastest)
    {
        public override string ToString() => Median.ToString("F3", CultureInfo.InvariantCulture);
    }

    private static SubspaceTransformer Fit<TOptions>(string name, TOptions options, Func<TOptions, SubspaceTrainer> trainer, IDataView train, int rows, out EpochTime time)
        where TOptions : NeuralNetworkTrainerOptions
    {
        var clock = Stopwatch.StartNew();
        var subspace = TrainingProgressBar.Run(name, options, rows, () => trainer(options).Fit(train));
        // Epochs after the first: the first pays one-time costs that would otherwise count against whichever model
        // happens to be trained first.
        var timed = Statistics.TimedEpochSeconds(subspace.TrainingHistory);
        time = new EpochTime(Statistics.Median(timed), timed.Min());
        Console.WriteLine($"trained {name} in {clock.Elapsed.TotalSeconds:F1}s " +
                          $"({time.Median:F3}s per epoch, final loss {subspace.TrainingHistory[^1].Loss:F4})");
        return subspace;
    }

    private static void AddSubspaceRows(MLContext ml, List<(string, SubspaceMetrics, string)> rows, string name, SubspaceTransformer model, IDataView test, string time)
    {
        rows.Add(($"{name} midpoint", Evaluate(ml, model, test), time));
        rows.Add(($"{name} endpoint a=0", Evaluate(ml, model.WithPoint(0.0), test), ""));
        rows.Add(($"{name} endpoint a=1", Evaluate(ml, model.WithPoint(1.0), test), ""));
        rows.Add(($"{name} endpoint ensemble", Evaluate(ml, model.WithEnsemble(SubspaceEnsemble.Endpoints), test), ""));
        var points = Enumerable.Range(0, 11).Select(i => i / 10.0)
            .Select(a => (a, m: Evaluate(ml, model.WithPoint(a), test))).ToList();
        var worst = points.MinBy(p => p.m.Accuracy);
        rows.Add(($"{name} worst of 11 points (a={worst.a:0.0})", worst.m, ""));
    }

    private static SubspaceMetrics Evaluate(MLContext ml, ITransformer model, IDataView test) =>
        ml.Subspaces().Evaluate(model.Transform(test));

    private static SubspaceMetrics EvaluateAveraged(MLContext ml, IReadOnlyList<ScorerTransformer> models, IDataView test)
    {
        // Mean of the members' probabilities, scored through the public batch API.
        var features = test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        var labels = test.GetColumn<uint>("Label").Select(key => (int)key - 1).ToArray();
        var sum = new float[labels.Length * models[0].ClassCount];
        foreach (var m in models)
        {
            var p = m.PredictProbabilities(features);
            for (int i = 0; i < sum.Length; i++) sum[i] += p[i] / models.Count;
        }
        var probabilities = ProbabilityMetrics.Compute(sum, labels, models[0].ClassCount);
        return new SubspaceMetrics(ml.MulticlassClassification.Evaluate(models[0].Transform(test)), probabilities, 20);
    }
}
