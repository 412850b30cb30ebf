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
/// endpoints, the endpoint ensemble and the worst of 11 points, with seconds per epoch (median over the epochs after the
/// first). Timing comparisons are the benchmark's job.
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
    /// <summary>One image file and its label (the folder's name).</summary>
    public sealed class ImageRow
    {
        /// <summary>Path relative to the mnist-png folder.</summary>
        public string ImagePath { get; set; } = "";
        /// <summary>The digit, as the folder names it.</summary>
        public string Label { get; set; } = "";
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
    public static int Run(Commands.ImagesSettings options)
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

        T Configure<T>(T o) where T : NeuralNetworkTrainerOptions
        {
            o.Network = NetworkArchitecture.ResNet20;
            o.WidthMultiplier = options.Width;
            o.Epochs = options.Epochs;
            o.LearningRate = 0.1;
            o.BatchSize = 128;
            o.RandomCropPadding = options.CropPadding;
            o.BatchNormSampleRows = options.BatchNormRows;
            if (options.Threads > 0) o.NumberOfThreads = options.Threads;
            return o;
        }

        using var standard = Fit("standard", ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions())), train);
        using var line = Fit("line", ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions())), train);
        using var layerWise = options.LayerWise ? Fit("layer-wise line", ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions { LayerWise = true })), train) : null;

        var evaluation = Stopwatch.StartNew();
        var table = new ModelTable(ml, test);
        table.Add("standard", standard, standard);
        table.AddLine("line", line);
        if (layerWise is not null) table.AddLine("layer-wise line", layerWise);
        Console.WriteLine();
        table.Print();
        Console.WriteLine();
        OnnxCheck.Print(ml, test, ("line midpoint", line));
        Console.WriteLine();
        Console.WriteLine($"evaluation (BatchNorm recomputed at each point, test set scored): {evaluation.Elapsed.TotalSeconds:F0}s; total {clock.Elapsed.TotalSeconds:F0}s.");
        return 0;
    }

    private static SubspaceTransformer Fit(string name, SubspaceTrainer trainer, IDataView train)
    {
        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(train);
        Console.WriteLine($"trained {name} in {clock.Elapsed.TotalSeconds:F0}s (epochs: {string.Join(", ", model.TrainingHistory.Select(e => e.Seconds.ToString("F1", CultureInfo.InvariantCulture) + "s"))}; " +
                          $"final loss {model.TrainingHistory[^1].Loss:F4})");
        return model;
    }
}
