using Microsoft.ML.Subspaces.Networks;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// The image sample: MNIST digits loaded from the shared PNG folders (../shared/data/mnist-png, train/&lt;digit&gt;/*.png
/// and test/&lt;digit&gt;/*.png) through ML.NET ImageAnalytics (LoadImages, ResizeImages, ConvertToGrayscale,
/// ExtractPixels), then Standard and Line ResNet-20 (and, with --layer-wise, a layer-wise line) trained for the same
/// epochs, and the table of the main sample: accuracy, log-loss, ECE for the standard model, the line's midpoint, its
/// endpoints, the endpoint ensemble and the worst of 11 points, with seconds per epoch (median over the epochs), and an
/// interleaved timing (one-epoch fits of both, back to back, five rounds) whose ratio does not depend on when another
/// process took the cores.
/// <para>
/// Defaults, chosen from measured epochs: one ResNet-20 epoch at width 0.5 over 8,000 images took about 10 s with one
/// libtorch thread on the 2-core development machine when it was quiet (about 20 s while other processes shared the
/// cores), so the whole run takes about 7.5 minutes on a quiet machine and up to about 15 on a busy one. At 12 epochs
/// the line's midpoint still trailed the standard model (98.75% against 99.00%); at 20 it matched it. All 8,000
/// training images, 28x28, ResNet-20 at width 0.5 (8/16/32 channels), 20 epochs, batch 128, SGD lr 0.1 momentum 0.9
/// with cosine decay, weight decay 1e-4, beta 1, random crop with 2 pixels of padding, no flip, BatchNorm statistics
/// recomputed per point over 2,000 training rows, one libtorch thread (--threads 1: libtorch's OpenMP threads slow down
/// several times when other processes share the cores; on an idle machine --threads 2 is faster). Width 1 costs about
/// four times as much per epoch.
/// </para>
/// </summary>
public static class ImagesSample
{
    /// <summary>Command-line options of the image sample.</summary>
    public sealed record Options(int Epochs, double Width, int Rows, int Size, bool LayerWise, int Seed, int BatchNormRows, int CropPadding, int Threads)
    {
        /// <summary>The usage line.</summary>
        public const string Usage = "images [--epochs N (20)] [--width W (0.5)] [--rows N (all 8000)] [--size 28|32 (28)] [--layer-wise] [--seed S (0)] " +
                                    "[--bn-rows N (2000)] [--crop-padding P (2)] [--threads T (1; 0 = libtorch's default)]";

        /// <summary>Parses the options after the command name.</summary>
        public static Options Parse(string[] args)
        {
            var o = new Options(20, 0.5, 0, 28, false, 0, 2000, 2, 1);
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value. Usage: {Usage}");
                int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "--epochs" => o with { Epochs = Int() },
                    "--width" => o with { Width = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--rows" => o with { Rows = Int() },
                    "--size" => o with { Size = Int() },
                    "--layer-wise" => o with { LayerWise = true },
                    "--seed" => o with { Seed = Int() },
                    "--bn-rows" => o with { BatchNormRows = Int() },
                    "--crop-padding" => o with { CropPadding = Int() },
                    "--threads" => o with { Threads = Int() },
                    _ => throw new ArgumentException($"Unknown option '{args[i]}'. Usage: {Usage}"),
                };
            }
            if (o.Epochs < 1) throw new ArgumentException("--epochs must be at least 1.");
            if (!(o.Width > 0)) throw new ArgumentException("--width must be positive.");
            if (o.Rows < 0) throw new ArgumentException("--rows must be positive (0 = all).");
            if (o.Size is not (28 or 32)) throw new ArgumentException("--size must be 28 or 32.");
            if (o.BatchNormRows < 1) throw new ArgumentException("--bn-rows must be at least 1.");
            if (o.CropPadding < 0) throw new ArgumentException("--crop-padding cannot be negative.");
            if (o.Threads < 0) throw new ArgumentException("--threads cannot be negative (0 = libtorch's default).");
            return o;
        }
    }

    /// <summary>One image file and its label (the folder's name).</summary>
    public sealed class ImageRow
    {
        /// <summary>Path relative to the mnist-png folder.</summary>
        public string ImagePath { get; set; } = "";
        /// <summary>The digit, as the folder names it.</summary>
        public string Label { get; set; } = "";
    }

    /// <summary>Entry point of the `images` command: parses the options and runs; errors in the options print the usage.</summary>
    public static int RunCommand(string[] args)
    {
        Options options;
        try { options = Options.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        try { return Run(options); }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    /// <summary>Lists the PNG files of <c>split</c> (train or test) as rows, label = folder name.</summary>
    public static List<ImageRow> ListImages(string root, string split)
    {
        var folder = Path.Combine(root, split);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Image folder '{folder}' is missing. See ../shared/data/README.md.");
        return Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new ImageRow { ImagePath = Path.GetRelativePath(root, f), Label = Path.GetFileName(d) }))
            .ToList();
    }

    /// <summary>
    /// The preprocessing a user writes: label to key (ordered by value), load, resize, grayscale, pixels in [0, 1] as a
    /// planar <c>[1, size, size]</c> vector "Features"; the image column is dropped afterwards.
    /// </summary>
    public static IEstimator<ITransformer> Preprocessing(MLContext ml, string imageFolder, int size) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.LoadImages("Image", imageFolder, nameof(ImageRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", size, size))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1 / 255f))
            .Append(ml.Transforms.DropColumns("Image"));

    /// <summary>Runs the sample.</summary>
    public static int Run(Options options)
    {
        var root = SharedData.File("mnist-png");
        var trainRows = ListImages(root, "train");
        var testRows = ListImages(root, "test");
        var random = new Random(options.Seed);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trainRows));
        if (options.Rows > 0 && options.Rows < trainRows.Count) trainRows = trainRows.Take(options.Rows).ToList();

        var ml = new MLContext(seed: options.Seed);
        var clock = Stopwatch.StartNew();
        var preprocessing = Preprocessing(ml, root, options.Size).Fit(ml.Data.LoadFromEnumerable(trainRows));
        // Decode every PNG once: the trainer reads the training set once, evaluation reads the test set many times.
        var train = ml.Data.Cache(preprocessing.Transform(ml.Data.LoadFromEnumerable(trainRows)));
        var test = ml.Data.Cache(preprocessing.Transform(ml.Data.LoadFromEnumerable(testRows)));
        long testCount = test.GetColumn<uint>("Label").LongCount();
        Console.WriteLine($"MNIST PNGs through LoadImages/ResizeImages({options.Size}x{options.Size})/ConvertToGrayscale/ExtractPixels: " +
                          $"{trainRows.Count} train, {testCount} test images ({clock.Elapsed.TotalSeconds:F1}s to decode); features {train.Schema["Features"].Type}.");
        Console.WriteLine($"ResNet-20 width {options.Width.ToString(CultureInfo.InvariantCulture)}, {options.Epochs} epochs, batch 128, SGD lr 0.1 momentum 0.9 cosine, " +
                          $"weight decay 1e-4, beta 1, random crop padding {options.CropPadding}, no flip; BatchNorm recomputed per point on {Math.Min(options.BatchNormRows, trainRows.Count)} rows; seed {options.Seed}.");
        Console.WriteLine();

        T Configure<T>(T o, int? epochs = null) where T : NeuralNetworkTrainerOptions
        {
            o.Network = NetworkArchitecture.ResNet20;
            o.WidthMultiplier = options.Width;
            o.Epochs = epochs ?? options.Epochs;
            o.LearningRate = 0.1;
            o.BatchSize = 128;
            o.RandomCropPadding = options.CropPadding;
            o.BatchNormSampleRows = options.BatchNormRows;
            if (options.Threads > 0) o.NumberOfThreads = options.Threads;
            return o;
        }

        // Not timed: a short fit first, so that one-time native start-up costs (kernel selection, allocator growth)
        // do not count against whichever model is trained first.
        using (ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions(), epochs: 1)).Fit(ml.Data.TakeRows(train, 256))) { }

        var standard = Fit("standard", ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions())), train, out var standardTime);
        var line = Fit("line", ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions())), train, out var lineTime);
        SubspaceTransformer? layerWise = null;
        EpochTime? layerWiseTime = null;
        if (options.LayerWise)
        {
            layerWise = Fit("layer-wise line", ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions { LayerWise = true })), train, out var t);
            layerWiseTime = t;
        }

        // The epochs above run one model after the other, so a process that starts on a shared machine in between
        // skews their ratio. Interleaved timing: one-epoch fits of both on the same 1,024 rows, back to back, five rounds
        // (alternating which goes first); the median of the per-round ratios is robust to load that drifts.
        var subset = ml.Data.TakeRows(train, 1024);
        var paired = InterleavedTiming.Run(new[] { "standard", "line" }, model =>
        {
            SubspaceTrainer trainer = model == 1
                ? ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions(), epochs: 1))
                : ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions(), epochs: 1));
            using var fitted = trainer.Fit(subset);
            return fitted.TrainingHistory[0].Seconds;
        });

        var evaluation = Stopwatch.StartNew();
        var rows = new List<(string Name, SubspaceMetrics Metrics, string Time)>();
        rows.Add(("standard", Evaluate(ml, standard, test), standardTime.ToString()));
        AddSubspaceRows(ml, rows, "line", line, test, lineTime.ToString());
        if (layerWise is not null) AddSubspaceRows(ml, rows, "layer-wise line", layerWise, test, layerWiseTime!.ToString());

        Console.WriteLine();
        Console.WriteLine($"{"model",-44} {"accuracy",9} {"log-loss",9} {"ECE",7} {"s/epoch",8}");
        Console.WriteLine(new string('-', 81));
        foreach (var (name, m, time) in rows)
            Console.WriteLine($"{name,-44} {m.Accuracy * 100,8:F2}% {m.LogLoss,9:F4} {m.ExpectedCalibrationError,7:F4} {time,8}");
        Console.WriteLine();
        Console.WriteLine($"training seconds per epoch, line / standard: {lineTime.Seconds / standardTime.Seconds:F2}x (goal: at most 1.15x)" +
                          (layerWiseTime is null ? "" : $"; layer-wise line / standard: {layerWiseTime.Seconds / standardTime.Seconds:F2}x") +
                          $". Seconds per epoch: standard {standardTime}, line {lineTime}" + (layerWiseTime is null ? "" : $", layer-wise {layerWiseTime}") +
                          $" ({EpochTime.Description(options.Epochs)}).");
        Console.WriteLine(paired.Describe($"one-epoch fits on {Math.Min(1024, trainRows.Count)} rows", model: 1, baseline: 0, decimals: 2) + ".");
        Console.WriteLine($"evaluation (BatchNorm recomputed at each point, test set scored): {evaluation.Elapsed.TotalSeconds:F0}s; total {clock.Elapsed.TotalSeconds:F0}s.");
        standard.Dispose();
        line.Dispose();
        layerWise?.Dispose();
        return 0;
    }

    /// <summary>
    /// Median seconds per epoch: robust to the one-time start-up cost of the first epoch and to moments when other
    /// processes take the cores (the per-epoch times are printed after each fit).
    /// </summary>
    private sealed record EpochTime(double Seconds)
    {
        public static EpochTime From(IReadOnlyList<Microsoft.ML.Subspaces.Optimization.EpochSummary> history) =>
            new(Statistics.Median(history.Select(e => e.Seconds)));

        public static string Description(int epochs) => epochs > 1 ? $"median over {epochs} epochs" : "one epoch";

        public override string ToString() => Seconds.ToString("F1", CultureInfo.InvariantCulture);
    }

    private static SubspaceTransformer Fit(string name, SubspaceTrainer trainer, IDataView train, out EpochTime time)
    {
        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(train);
        time = EpochTime.From(model.TrainingHistory);
        Console.WriteLine($"trained {name} in {clock.Elapsed.TotalSeconds:F0}s (epochs: {string.Join(", ", model.TrainingHistory.Select(e => e.Seconds.ToString("F1", CultureInfo.InvariantCulture) + "s"))}; " +
                          $"final loss {model.TrainingHistory[^1].Loss:F4})");
        return model;
    }

    private static void AddSubspaceRows(MLContext ml, List<(string, SubspaceMetrics, string)> rows, string name, SubspaceTransformer model, IDataView test, string time)
    {
        // Every point's network is materialized once, with BatchNorm statistics recomputed for it, and cached.
        var points = Enumerable.Range(0, 11).Select(i => i / 10.0).Select(a => (a, m: EvaluateDerived(ml, model.WithPoint(a), test))).ToList();
        rows.Add(($"{name} midpoint", Evaluate(ml, model, test), time));
        rows.Add(($"{name} endpoint a=0", points[0].m, ""));
        rows.Add(($"{name} endpoint a=1", points[10].m, ""));
        rows.Add(($"{name} endpoint ensemble", EvaluateDerived(ml, model.WithEnsemble(SubspaceEnsemble.Endpoints), test), ""));
        var worst = points.MinBy(p => p.m.Accuracy);
        rows.Add(($"{name} worst of 11 points (a={worst.a:0.0})", worst.m, ""));
    }

    private static SubspaceMetrics Evaluate(MLContext ml, ITransformer model, IDataView test) =>
        ml.Subspaces().Evaluate(model.Transform(test));

    /// <summary>Evaluates a transformer derived from a model (WithPoint, WithEnsemble) and releases it (the cached networks stay with the model).</summary>
    private static SubspaceMetrics EvaluateDerived(MLContext ml, SubspaceTransformer derived, IDataView test)
    {
        using (derived) return Evaluate(ml, derived, test);
    }
}
