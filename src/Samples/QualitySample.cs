using Microsoft.ML.Subspaces.Networks;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// The quality benchmark: every shared data set that fits a classification task, several seeds, clean and with label
/// noise, the library's models with their default options next to ML.NET's LightGbm with its defaults; one Markdown
/// table of accuracy (mean and range over the seeds), log-loss, ECE and training seconds, printed and written to a file.
/// <para>
/// With <c>--validation</c> every model trains on 80% of the training rows and is scored on the other 20%: the split on
/// which the library's defaults were chosen (the test rows are never looked at then). <c>--grid</c> adds the standard
/// network over a 3 x 3 grid of learning rate x budget around the defaults. The other options override a default, for
/// measuring it.
/// </para>
/// </summary>
public static class QualitySample
{
    /// <summary>Every model name, in table order.</summary>
    public static readonly string[] Models = { "standard", "line", "layer-wise line", "simplex", "swa", "ensemble", "lightgbm" };

    /// <summary>Options of the quality benchmark (the command line's <see cref="Commands.QualitySettings"/>, parsed).</summary>
    public sealed record Options
    {
        public string[] Datasets { get; init; } = { "mnist", "optdigits", "adult", "mnist-png" };
        public int Seeds { get; init; } = 3;
        public int FirstSeed { get; init; }
        public string[] Merge { get; init; } = Array.Empty<string>();
        public double[] Noise { get; init; } = { 0, 0.2 };
        public string[] Models { get; init; } = QualitySample.Models;
        public bool Validation { get; init; }
        public bool Grid { get; init; }
        public string Output { get; init; } = "quality.md";
        public int? Threads { get; init; }
        public int? TrainRows { get; init; }
        public double? LearningRate { get; init; }
        public int? Epochs { get; init; }
        public int? BatchSize { get; init; }
        public double? Beta { get; init; }
        public double? InitialCosine { get; init; }
        public bool? Standardize { get; init; }
        public bool? CenterPreserving { get; init; }
        public int[]? Hidden { get; init; }
        public double? WarmupEpochs { get; init; }
        public double? WeightDecay { get; init; }
        public double? LabelSmoothing { get; init; }
        public NetworkArchitecture? ImageNetwork { get; init; }

        /// <summary>The options given on the command line, as the table's header states them.</summary>
        public string Overrides()
        {
            var parts = new List<string>();
            if (TrainRows is int rows) parts.Add(FormattableString.Invariant($"{rows:N0} random training rows"));
            if (LearningRate is double lr) parts.Add(FormattableString.Invariant($"LearningRate {lr}"));
            if (Epochs is int e) parts.Add($"Epochs {e}");
            if (BatchSize is int b) parts.Add($"BatchSize {b}");
            if (Beta is double beta) parts.Add(FormattableString.Invariant($"Beta {beta}"));
            if (InitialCosine is double cosine) parts.Add(FormattableString.Invariant($"InitialPointCosine {cosine}"));
            if (Standardize is false) parts.Add("StandardizeFeatures false");
            if (CenterPreserving is false) parts.Add("CenterPreserving false");
            if (Hidden is not null) parts.Add($"HiddenLayers {string.Join("-", Hidden)}");
            if (WarmupEpochs is double wu) parts.Add(FormattableString.Invariant($"WarmupEpochs {wu}"));
            if (WeightDecay is double wd) parts.Add(FormattableString.Invariant($"WeightDecay {wd}"));
            if (LabelSmoothing is double ls) parts.Add(FormattableString.Invariant($"LabelSmoothing {ls}"));
            if (ImageNetwork is NetworkArchitecture net) parts.Add($"image network {net}");
            return parts.Count == 0 ? "defaults" : string.Join(", ", parts);
        }
    }

    /// <summary>One model's scores on one data set, seed and noise level.</summary>
    private sealed record Result(string Dataset, double Noise, string Model, int Seed, double Accuracy, double LogLoss, double Ece, double Seconds)
    {
        public string ToTsv() => string.Join("\t", Dataset, Noise.ToString("R", CultureInfo.InvariantCulture), Model, Seed.ToString(CultureInfo.InvariantCulture),
            Accuracy.ToString("R", CultureInfo.InvariantCulture), LogLoss.ToString("R", CultureInfo.InvariantCulture),
            Ece.ToString("R", CultureInfo.InvariantCulture), Seconds.ToString("R", CultureInfo.InvariantCulture));

        public static Result FromTsv(string line)
        {
            var c = line.Split('\t');
            double D(int i) => double.Parse(c[i], CultureInfo.InvariantCulture);
            return new Result(c[0], D(1), c[2], int.Parse(c[3], CultureInfo.InvariantCulture), D(4), D(5), D(6), D(7));
        }
    }

    public static int Run(Options options)
    {
        var results = new List<Result>();
        if (options.Merge.Length > 0)
        {
            foreach (var file in options.Merge) results.AddRange(File.ReadLines(file).Where(l => l.Length > 0).Select(Result.FromTsv));
            return Write(results, options);
        }
        var clock = Stopwatch.StartNew();
        var tsv = Path.ChangeExtension(options.Output, ".tsv"); // one result per line, for --merge (model names hold commas)
        File.WriteAllText(tsv, "");
        foreach (var name in options.Datasets)
        {
            var data = QualityDatasets.Load(new MLContext(seed: 0), name);
            for (int seed = options.FirstSeed; seed < options.FirstSeed + options.Seeds; seed++)
            {
                var ml = new MLContext(seed: seed);
                var (train, evaluation) = Split(ml, data, options);
                foreach (var noise in options.Noise)
                {
                    var noisy = noise > 0 ? ml.Subspaces().Experiments.WithLabelNoise(train, noise, seed: 1234 + seed) : train;
                    foreach (var r in RunModels(ml, data, noisy, evaluation, options, seed, noise))
                    {
                        results.Add(r);
                        File.AppendAllText(tsv, r.ToTsv() + Environment.NewLine);
                        Console.WriteLine(FormattableString.Invariant(
                            $"[{clock.Elapsed:hh\\:mm\\:ss}] {r.Dataset,-15} noise {r.Noise:P0} seed {r.Seed} {r.Model,-24} accuracy {r.Accuracy:P2} log-loss {r.LogLoss:F4} ECE {r.Ece:F4} {r.Seconds:F1}s"));
                    }
                }
            }
        }
        return Write(results, options);
    }

    private static int Write(List<Result> results, Options options)
    {
        var table = Table(results, options);
        Console.WriteLine();
        Console.WriteLine(table);
        File.WriteAllText(options.Output, table);
        Console.WriteLine($"Written to {Path.GetFullPath(options.Output)}.");
        return 0;
    }

    /// <summary>
    /// The training rows and the rows scored: the test rows, or (validation) a seeded 20% of the training rows. With
    /// <see cref="Options.TrainRows"/>, a seeded random subset of the rows that would train (the same for every seed).
    /// </summary>
    private static (IDataView Train, IDataView Evaluation) Split(MLContext ml, QualityDataset data, Options options)
    {
        var (train, evaluation) = (data.Train, data.Test);
        if (options.Validation)
        {
            var split = ml.Data.TrainTestSplit(data.Train, testFraction: 0.2, seed: 4242);
            (train, evaluation) = (ml.Data.Cache(split.TrainSet), ml.Data.Cache(split.TestSet));
        }
        if (options.TrainRows is int n && n < data.TrainRows)
            train = ml.Data.Cache(ml.Data.TakeRows(ml.Data.ShuffleRows(train, seed: 4243, shufflePoolSize: data.TrainRows), n));
        return (train, evaluation);
    }

    /// <summary>The training rows of a fit: those the split leaves, or <see cref="Options.TrainRows"/> of them.</summary>
    private static int TrainingRows(QualityDataset data, Options options)
    {
        int rows = options.Validation ? data.TrainRows * 4 / 5 : data.TrainRows;
        return options.TrainRows is int n ? Math.Min(n, rows) : rows;
    }

    private static IEnumerable<Result> RunModels(MLContext ml, QualityDataset data, IDataView train, IDataView evaluation, Options options, int seed, double noise)
    {
        var trainers = ml.Subspaces().Trainers;
        Result Row(string model, ITransformer fitted, double seconds)
        {
            var m = ml.Subspaces().Evaluate(fitted.Transform(evaluation));
            return new Result(data.Name, noise, model, seed, m.Accuracy, m.LogLoss, m.ExpectedCalibrationError, seconds);
        }
        T Timed<T>(Func<T> fit, out double seconds)
        {
            var watch = Stopwatch.StartNew();
            var fitted = fit();
            seconds = watch.Elapsed.TotalSeconds;
            return fitted;
        }

        SubspaceTransformer? standard = null;
        try
        {
            if (options.Models.Contains("standard") || options.Models.Contains("ensemble"))
            {
                standard = Timed(() => trainers.Standard(Configure(new StandardTrainerOptions(), data, options)).Fit(train), out var s);
                if (options.Models.Contains("standard")) yield return Row("standard", standard, s);
                if (options.Models.Contains("ensemble"))
                {
                    using var second = Timed(() => trainers.Standard(Configure(new StandardTrainerOptions(), data, options)).Fit(train), out var s2);
                    using var ensemble = ml.Subspaces().Ensemble(new ScorerTransformer[] { standard, second });
                    yield return Row("independent ensemble (2)", ensemble, s + s2);
                }
            }
            if (options.Models.Contains("line"))
            {
                using var line = Timed(() => trainers.Line(Configure(new LineTrainerOptions(), data, options)).Fit(train), out var s);
                yield return Row("line midpoint", line, s);
                using var ends = line.WithEnsemble(SubspaceEnsemble.Endpoints);
                yield return Row("line endpoint ensemble", ends, s);
                using var end = line.WithPoint(0.0);
                yield return Row("line endpoint a=0", end, s);
            }
            if (options.Models.Contains("layer-wise line"))
            {
                using var line = Timed(() => trainers.Line(Configure(new LineTrainerOptions { LayerWise = true }, data, options)).Fit(train), out var s);
                yield return Row("layer-wise line midpoint", line, s);
            }
            if (options.Models.Contains("simplex"))
            {
                using var simplex = Timed(() => trainers.Simplex(Configure(new SimplexTrainerOptions(), data, options)).Fit(train), out var s);
                yield return Row("simplex(3) centroid", simplex, s);
            }
            if (options.Models.Contains("swa"))
            {
                using var swa = Timed(() => trainers.StochasticWeightAveraging(Configure(new StochasticWeightAveragingOptions(), data, options)).Fit(train), out var s);
                yield return Row("swa", swa, s);
            }
            if (options.Models.Contains("lightgbm"))
            {
                var lightGbm = Timed(() => ml.MulticlassClassification.Trainers.LightGbm().Fit(train), out var s);
                yield return Row("lightgbm (ML.NET defaults)", lightGbm, s);
            }
            if (options.Grid && noise == 0) // the grid asks whether the defaults under-train: clean labels
            {
                var baseline = Configure(new StandardTrainerOptions(), data, options);
                double lr = baseline.EffectiveLearningRate;
                foreach (var lrFactor in new[] { 0.5, 1, 2 })
                foreach (var budgetFactor in new[] { 0.5, 1, 2 })
                {
                    if (lrFactor == 1 && budgetFactor == 1) continue; // the standard row
                    var o = Configure(new StandardTrainerOptions(), data, options);
                    o.LearningRate = lr * lrFactor;
                    o.Epochs = Math.Max(1, (int)Math.Round(budgetFactor * (options.Epochs
                        ?? TrainerOptionsBase.AutomaticEpochs(TrainingRows(data, options), o.BatchSize))));
                    using var fitted = Timed(() => trainers.Standard(o).Fit(train), out var s);
                    yield return Row(FormattableString.Invariant($"grid: lr x{lrFactor}, budget x{budgetFactor}"), fitted, s);
                }
            }
        }
        finally
        {
            standard?.Dispose();
        }
    }

    /// <summary>The library's defaults, with the architecture the data set needs and the command line's overrides.</summary>
    private static T Configure<T>(T o, QualityDataset data, Options options) where T : NeuralNetworkTrainerOptions
    {
        o.Network = data.Network != NetworkArchitecture.Mlp && options.ImageNetwork is NetworkArchitecture image ? image : data.Network;
        if (data.ImageShape is int[] shape) o.ImageShape = shape;
        if (options.Threads is int t) o.NumberOfThreads = t;
        if (options.LearningRate is double lr) o.LearningRate = lr;
        if (options.Epochs is int e) o.Epochs = e;
        if (options.BatchSize is int b) o.BatchSize = b;
        if (options.Standardize is bool s) o.StandardizeFeatures = s;
        if (options.Hidden is int[] h) o.HiddenLayers = h;
        if (options.WarmupEpochs is double wu) o.WarmupEpochs = wu;
        if (options.WeightDecay is double wd) o.WeightDecay = wd;
        if (options.LabelSmoothing is double ls) o.LabelSmoothing = ls;
        if (o is SubspaceTrainerOptions subspace)
        {
            if (options.Beta is double beta) subspace.Beta = beta;
            if (options.InitialCosine is double cosine) subspace.InitialPointCosine = cosine;
            if (options.CenterPreserving is bool c) subspace.CenterPreserving = c;
        }
        return o;
    }

    /// <summary>The Markdown table: one row per data set, noise level and model; accuracy as mean and range over the seeds.</summary>
    private static string Table(List<Result> results, Options options)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Quality benchmark ({(options.Validation ? "validation: 80% of the training rows train, 20% are scored" : "test rows")})");
        md.AppendLine();
        md.AppendLine($"Options: {options.Overrides()}; seeds {string.Join(", ", results.Select(r => r.Seed).Distinct().Order())}; label noise on the " +
                      "training rows only. Accuracy: mean over the seeds (min-max); log-loss, ECE (20 bins) and training seconds: means.");
        md.AppendLine();
        foreach (var name in results.Select(r => r.Dataset).Distinct()) md.AppendLine($"- **{name}**: {QualityDatasets.Describe(name)}");
        md.AppendLine();
        md.AppendLine("| data set | noise | model | accuracy % | log-loss | ECE | train s |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in results.GroupBy(r => (r.Dataset, r.Noise, r.Model)))
        {
            var acc = group.Select(r => r.Accuracy * 100).ToArray();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Dataset} | {group.Key.Noise:P0} | {group.Key.Model} | {acc.Average():F2} ({acc.Min():F2}-{acc.Max():F2}) | " +
                $"{group.Average(r => r.LogLoss):F4} | {group.Average(r => r.Ece):F4} | {group.Average(r => r.Seconds):F1} |"));
        }
        return md.ToString();
    }
}
