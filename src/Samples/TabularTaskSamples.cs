using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// The two most common ML.NET tasks on real data, with default options and ML.NET's own featurizers and metrics:
/// <c>adult</c> (UCI Adult, income above 50K: binary classification of 6 unscaled numeric and 8 categorical columns with
/// missing values) and <c>wine-quality</c> (UCI white wine, the quality score as regression of 11 unscaled measurements).
/// Each prints Standard, the Line's midpoint and its endpoint ensemble (mean and standard deviation over seeds) beside
/// ML.NET's LightGbm and FastTree on the same split.
/// </summary>
public static class TabularTaskSamples
{
    public static int Adult(TaskSettings settings)
    {
        var ml = new MLContext(seed: 0);
        var train = ml.Data.LoadFromEnumerable(ReadBinaryAdult("adult.data"));
        var test = ml.Data.LoadFromEnumerable(ReadBinaryAdult("adult.test"));
        (train, test) = Split(ml, train, test, settings.Validation, settings.SplitSeed);
        // What an ML.NET user writes: missing numbers replaced, categories one-hot encoded ("?" is a category), one vector.
        var numeric = QualityDatasets.AdultNumeric;
        var categorical = QualityDatasets.AdultCategorical;
        var featurize = ml.Transforms.ReplaceMissingValues(numeric.Select(c => new InputOutputColumnPair(c)).ToArray())
            .Append(ml.Transforms.Categorical.OneHotEncoding(categorical.Select(c => new InputOutputColumnPair(c)).ToArray()))
            .Append(ml.Transforms.Concatenate("Features", numeric.Concat(categorical).ToArray()))
            .Fit(train);
        train = ml.Data.Cache(featurize.Transform(train));
        test = ml.Data.Cache(featurize.Transform(test));
        Console.WriteLine($"UCI Adult, income > 50K: {Rows(train)} training rows, {Rows(test)} {(settings.Validation ? "validation rows (20% of the training file)" : "test rows")}; " +
                          $"{((VectorDataViewType)train.Schema["Features"].Type).Size} features; {settings.Seeds} seed(s).");

        var rows = new List<(string Name, double[] Accuracy, double[] Auc, double[] F1, double[] LogLoss)>();
        void Add(string name, IEnumerable<CalibratedBinaryClassificationMetrics> runs)
        {
            var m = runs.ToArray();
            rows.Add((name, m.Select(x => x.Accuracy).ToArray(), m.Select(x => x.AreaUnderRocCurve).ToArray(), m.Select(x => x.F1Score).ToArray(), m.Select(x => x.LogLoss).ToArray()));
        }
        var standard = new List<CalibratedBinaryClassificationMetrics>();
        var midpoint = new List<CalibratedBinaryClassificationMetrics>();
        var ends = new List<CalibratedBinaryClassificationMetrics>();
        for (int seed = 0; seed < settings.Seeds; seed++)
        {
            using var s = ml.Subspaces().BinaryClassification.Trainers.Standard(Configure(new StandardTrainerOptions(), settings, seed)).Fit(train);
            using var line = ml.Subspaces().BinaryClassification.Trainers.Line(Configure(new LineTrainerOptions(), settings, seed)).Fit(train);
            using var endpoints = line.WithEnsemble(SubspaceEnsemble.Endpoints);
            standard.Add(ml.BinaryClassification.Evaluate(s.Transform(test)));
            midpoint.Add(ml.BinaryClassification.Evaluate(line.Transform(test)));
            ends.Add(ml.BinaryClassification.Evaluate(endpoints.Transform(test)));
            Console.WriteLine($"seed {seed}: AUC standard {standard[^1].AreaUnderRocCurve:F4}, line midpoint {midpoint[^1].AreaUnderRocCurve:F4}, endpoints {ends[^1].AreaUnderRocCurve:F4}");
        }
        Add("standard", standard);
        Add("line midpoint", midpoint);
        Add("line endpoint ensemble", ends);
        if (settings.Database)
        {
            // The same training rows in a SQLite file, read back through ML.NET's DatabaseLoader and the same featurizer,
            // the line trained in streaming mode: the database is queried again every epoch.
            string path = Path.Combine(Path.GetTempPath(), $"subspaces-adult-{Environment.ProcessId}.sqlite");
            try
            {
                var rawTrain = settings.Validation ? null : ReadBinaryAdult("adult.data");
                if (rawTrain is null) throw new InvalidOperationException("--database trains on the whole training file: leave out --validation.");
                AdultDatabase.Write(path, rawTrain);
                var fromDatabase = featurize.Transform(AdultDatabase.Load(ml, path));
                var streamed = new List<CalibratedBinaryClassificationMetrics>();
                for (int seed = 0; seed < settings.Seeds; seed++)
                {
                    var options = Configure(new LineTrainerOptions(), settings, seed);
                    options.ShuffleBufferRows = 4096;
                    using var line = ml.Subspaces().BinaryClassification.Trainers.Line(options).Fit(fromDatabase);
                    streamed.Add(ml.BinaryClassification.Evaluate(line.Transform(test)));
                    Console.WriteLine($"seed {seed}: AUC line midpoint streamed from SQLite {streamed[^1].AreaUnderRocCurve:F4}");
                }
                Add("line midpoint, from SQLite", streamed);
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                File.Delete(path);
            }
        }
        Add("LightGbm", new[] { ml.BinaryClassification.Evaluate(ml.BinaryClassification.Trainers.LightGbm().Fit(train).Transform(test)) });
        Add("FastTree", new[] { ml.BinaryClassification.Evaluate(ml.BinaryClassification.Trainers.FastTree().Fit(train).Transform(test)) });

        Console.WriteLine();
        Console.WriteLine($"{"model",-26} {"accuracy",16} {"AUC",16} {"F1",16} {"log-loss",16}");
        Console.WriteLine(new string('-', 94));
        foreach (var (name, accuracy, auc, f1, logLoss) in rows)
            Console.WriteLine($"{name,-26} {Cell(accuracy, 100, "F2")}% {Cell(auc, 1, "F4")} {Cell(f1, 1, "F4")} {Cell(logLoss, 1, "F4")}");
        double gap = midpoint.Average(m => m.AreaUnderRocCurve) - standard.Average(m => m.AreaUnderRocCurve);
        Console.WriteLine();
        Console.WriteLine($"line midpoint AUC - standard AUC: {gap:+0.0000;-0.0000} (goal: at least -0.002)");
        return 0;
    }

    public static int WineQuality(TaskSettings settings)
    {
        var ml = new MLContext(seed: 0);
        var lines = File.ReadLines(SharedData.File("wine-quality", "winequality-white.csv")).Skip(1).Where(l => l.Length > 0).ToArray();
        var all = lines.Select(l => l.Split(',')).Select(c => new WineRow
        {
            Label = float.Parse(c[^1], CultureInfo.InvariantCulture),
            Features = c[..^1].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        }).ToArray();
        new Random(2009).Shuffle(all); // the file has no test part: a fixed 80/20 split, as the quality sample's
        int trainCount = all.Length * 4 / 5;
        var train = ml.Data.LoadFromEnumerable(all[..trainCount]);
        var test = ml.Data.LoadFromEnumerable(all[trainCount..]);
        (train, test) = Split(ml, train, test, settings.Validation, settings.SplitSeed);
        train = ml.Data.Cache(train);
        test = ml.Data.Cache(test);
        Console.WriteLine($"UCI white wine quality as regression: {Rows(train)} training rows, {Rows(test)} {(settings.Validation ? "validation rows" : "test rows")}; " +
                          $"11 unscaled measurements; {settings.Seeds} seed(s){(settings.Huber is double d ? $"; Huber {d}" : "")}.");
        return CompareRegression(ml, train, test, settings);
    }

    /// <summary>
    /// A second regression data set: UCI Adult's hours worked per week from the other 13 columns (5 numeric, 8 one-hot
    /// categorical), the income class left out; a wide, noisy target (most rows at 40).
    /// </summary>
    public static int AdultHours(TaskSettings settings)
    {
        var ml = new MLContext(seed: 0);
        var train = ml.Data.LoadFromEnumerable(QualityDatasets.ReadAdult<AdultHoursRow>("adult.data", (_, _) => { }));
        var test = ml.Data.LoadFromEnumerable(QualityDatasets.ReadAdult<AdultHoursRow>("adult.test", (_, _) => { }));
        (train, test) = Split(ml, train, test, settings.Validation, settings.SplitSeed);
        var numeric = QualityDatasets.AdultNumeric.Where(c => c != nameof(AdultHoursRow.HoursPerWeek)).ToArray();
        var categorical = QualityDatasets.AdultCategorical;
        var featurize = ml.Transforms.CopyColumns("Label", nameof(AdultHoursRow.HoursPerWeek))
            .Append(ml.Transforms.Categorical.OneHotEncoding(categorical.Select(c => new InputOutputColumnPair(c)).ToArray()))
            .Append(ml.Transforms.Concatenate("Features", numeric.Concat(categorical).ToArray()))
            .Fit(train);
        train = ml.Data.Cache(featurize.Transform(train));
        test = ml.Data.Cache(featurize.Transform(test));
        Console.WriteLine($"UCI Adult, hours per week as regression: {Rows(train)} training rows, {Rows(test)} {(settings.Validation ? "validation rows" : "test rows")}; " +
                          $"{((VectorDataViewType)train.Schema["Features"].Type).Size} features; {settings.Seeds} seed(s){(settings.Huber is double d ? $"; Huber {d}" : "")}.");
        return CompareRegression(ml, train, test, settings);
    }

    /// <summary>Standard, the line's midpoint and endpoint ensemble (over the seeds), LightGbm and FastTree on one split, with ML.NET's regression metrics.</summary>
    private static int CompareRegression(MLContext ml, IDataView train, IDataView test, TaskSettings settings)
    {
        var rows = new List<(string Name, double[] Rmse, double[] Mae, double[] R2)>();
        void Add(string name, IEnumerable<RegressionMetrics> runs)
        {
            var m = runs.ToArray();
            rows.Add((name, m.Select(x => x.RootMeanSquaredError).ToArray(), m.Select(x => x.MeanAbsoluteError).ToArray(), m.Select(x => x.RSquared).ToArray()));
        }
        var standard = new List<RegressionMetrics>();
        var midpoint = new List<RegressionMetrics>();
        var ends = new List<RegressionMetrics>();
        for (int seed = 0; seed < settings.Seeds; seed++)
        {
            using var s = ml.Subspaces().Regression.Trainers.Standard(Configure(new StandardTrainerOptions(), settings, seed)).Fit(train);
            using var line = ml.Subspaces().Regression.Trainers.Line(Configure(new LineTrainerOptions(), settings, seed)).Fit(train);
            using var endpoints = line.WithEnsemble(SubspaceEnsemble.Endpoints);
            standard.Add(ml.Regression.Evaluate(s.Transform(test)));
            midpoint.Add(ml.Regression.Evaluate(line.Transform(test)));
            ends.Add(ml.Regression.Evaluate(endpoints.Transform(test)));
            Console.WriteLine($"seed {seed}: RMSE standard {standard[^1].RootMeanSquaredError:F4}, line midpoint {midpoint[^1].RootMeanSquaredError:F4}, endpoints {ends[^1].RootMeanSquaredError:F4}");
        }
        Add("standard", standard);
        Add("line midpoint", midpoint);
        Add("line endpoint ensemble", ends);
        Add("LightGbm", new[] { ml.Regression.Evaluate(ml.Regression.Trainers.LightGbm().Fit(train).Transform(test)) });
        Add("FastTree", new[] { ml.Regression.Evaluate(ml.Regression.Trainers.FastTree().Fit(train).Transform(test)) });

        Console.WriteLine();
        Console.WriteLine($"{"model",-26} {"RMSE",16} {"MAE",16} {"R^2",16}");
        Console.WriteLine(new string('-', 77));
        foreach (var (name, rmse, mae, r2) in rows)
            Console.WriteLine($"{name,-26} {Cell(rmse, 1, "F4")} {Cell(mae, 1, "F4")} {Cell(r2, 1, "F4")}");
        double ratio = midpoint.Average(m => m.RootMeanSquaredError) / standard.Average(m => m.RootMeanSquaredError) - 1;
        Console.WriteLine();
        Console.WriteLine($"line midpoint RMSE vs standard: {ratio:+0.00%;-0.00%} (goal: at most +1%)");
        return 0;
    }

    private sealed class WineRow
    {
        public float Label { get; set; }
        [VectorType(11)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>An Adult row read for the hours-per-week regression (the income class is not used).</summary>
    internal sealed class AdultHoursRow : QualityDatasets.AdultFeatures
    {
    }

    /// <summary>An Adult row with the Boolean label binary classification reads: income above 50K.</summary>
    internal sealed class AdultBinaryRow : QualityDatasets.AdultFeatures
    {
        public bool Label { get; set; }
    }

    internal static List<AdultBinaryRow> ReadBinaryAdult(string file) =>
        QualityDatasets.ReadAdult<AdultBinaryRow>(file, (row, label) => row.Label = label == ">50K");

    /// <summary>With <paramref name="validation"/>: 80% of the training rows to train, the other 20% to score (seeded), the test rows unused.</summary>
    private static (IDataView Train, IDataView Test) Split(MLContext ml, IDataView train, IDataView test, bool validation, int seed)
    {
        if (!validation) return (train, test);
        var split = ml.Data.TrainTestSplit(train, testFraction: 0.2, seed: seed);
        return (split.TrainSet, split.TestSet);
    }

    private static T Configure<T>(T options, TaskSettings settings, int seed) where T : NeuralNetworkTrainerOptions
    {
        options.Seed = seed;
        options.Epochs = settings.Epochs;
        if (settings.LearningRate is double lr) options.LearningRate = lr;
        options.HuberDelta = settings.Huber;
        if (settings.WarmupEpochs is double warmup) options.WarmupEpochs = warmup;
        if (options is SubspaceTrainerOptions subspace)
        {
            if (settings.Beta is double beta) subspace.Beta = beta;
            if (settings.InitialCosine is double cosine) subspace.InitialPointCosine = cosine;
            if (settings.NoCenter) subspace.CenterPreserving = false;
        }
        return options;
    }

    private static long Rows(IDataView data)
    {
        if (data.GetRowCount() is long n) return n;
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        long count = 0;
        while (cursor.MoveNext()) count++;
        return count;
    }

    private static string Cell(double[] values, double scale, string format)
    {
        double mean = values.Average() * scale;
        if (values.Length == 1) return mean.ToString(format, CultureInfo.InvariantCulture).PadLeft(16);
        double sd = Math.Sqrt(values.Sum(v => Math.Pow(v * scale - mean, 2)) / (values.Length - 1));
        return $"{mean.ToString(format, CultureInfo.InvariantCulture)} ± {sd.ToString(format, CultureInfo.InvariantCulture)}".PadLeft(16);
    }
}
