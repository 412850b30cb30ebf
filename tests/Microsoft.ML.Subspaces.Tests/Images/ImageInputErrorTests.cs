using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Bad image input gives errors that name the file, the column and the values.</summary>
public class ImageInputErrorTests
{
    private static LineTrainerOptions ConvNet(int[]? imageShape = null) => new()
    {
        Network = NetworkArchitecture.ConvNet, ImageShape = imageShape, WidthMultiplier = 0.125, Epochs = 1, BatchSize = 16,
    };

    /// <summary>A folder with two readable PNGs and, optionally, a file that is not an image.</summary>
    private static string ImageFolder(bool withBadFile)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"subspaces-images-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var row in ImageTestData.Pngs("train", 1).Take(2))
            File.Copy(Path.Combine(ImageTestData.PngRoot, row.ImagePath), Path.Combine(folder, row.Label + ".png"));
        if (withBadFile) File.WriteAllText(Path.Combine(folder, "bad.png"), "this is not a PNG");
        return folder;
    }

    private static Exception FitOnFiles(string folder, params string[] files)
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(files.Select((f, i) => new ImageTestData.PathRow { ImagePath = f, Label = (i % 2).ToString() }));
        var pipeline = ImagePipelineEndToEndTests.Preprocessing(ml, folder).Append(ml.Subspaces().Trainers.Line(ConvNet()));
        return Assert.ThrowsAny<Exception>(() => pipeline.Fit(rows));
    }

    [Fact]
    public void MissingImageFileIsNamed()
    {
        var folder = ImageFolder(withBadFile: false);
        try
        {
            var e = FitOnFiles(folder, "0.png", "1.png", "missing-digit.png");
            Assert.Contains(Path.Combine(folder, "missing-digit.png"), e.Message);
            Assert.Contains("row 2", e.Message);
            Assert.Contains("ImagePath = 'missing-digit.png'", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void UnreadableImageFileIsNamed()
    {
        var folder = ImageFolder(withBadFile: true);
        try
        {
            var e = FitOnFiles(folder, "0.png", "bad.png", "1.png");
            // ML.NET's own message ("Invalid input stream contents") does not name the file; ours adds the row's path.
            Assert.Contains("ImagePath = 'bad.png'", e.Message);
            Assert.Contains("row 1", e.Message);
            Assert.Contains("Invalid input stream contents", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void UnreadableImageAtPredictionTimeIsNamed()
    {
        var folder = ImageFolder(withBadFile: true);
        try
        {
            var ml = new MLContext(seed: 1);
            var rows = ml.Data.LoadFromEnumerable(ImageTestData.Pngs("train", 2).Select(r => new ImageTestData.PathRow { ImagePath = Path.Combine(ImageTestData.PngRoot, r.ImagePath), Label = r.Label }));
            var model = ImagePipelineEndToEndTests.Preprocessing(ml, "").Append(ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
            {
                Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.125, Epochs = 1, BatchSize = 8,
            })).Fit(rows);
            var scoring = ml.Data.LoadFromEnumerable(new[]
            {
                new ImageTestData.PathRow { ImagePath = Path.Combine(folder, "0.png"), Label = "0" },
                new ImageTestData.PathRow { ImagePath = Path.Combine(folder, "bad.png"), Label = "1" },
            });
            var e = Assert.ThrowsAny<Exception>(() => model.Transform(scoring).GetColumn<uint>("PredictedLabel").ToArray());
            Assert.Contains($"ImagePath = '{Path.Combine(folder, "bad.png")}'", e.Message);
            model.LastTransformer.Dispose();
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void ImagesOfDifferentSizesWithoutResizeAreRejected()
    {
        var ml = new MLContext(seed: 1);
        // ExtractPixels itself refuses images of unknown size (LoadImages without ResizeImages), naming the image column.
        var rows = ml.Data.LoadFromEnumerable(ImageTestData.Pngs("train", 1));
        var noResize = ml.Transforms.LoadImages("Image", ImageTestData.PngRoot, "ImagePath")
            .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red));
        var e = Assert.ThrowsAny<ArgumentException>(() => noResize.Fit(rows));
        Assert.Contains("'Image'", e.Message);
        Assert.Contains("unknown-size image", e.Message);

        // A features vector of unknown size reaching the trainer: rows may differ in length.
        var ragged = ml.Data.LoadFromEnumerable(new[]
        {
            new RaggedRow { Label = 1, Features = new float[784] },
            new RaggedRow { Label = 2, Features = new float[900] },
        });
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ragged).Transform(ragged);
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(ConvNet()).Fit(keyed));
        var pipelineError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Subspaces().Trainers.Line(ConvNet())).Fit(ragged));
        foreach (var error in new[] { fitError, pipelineError })
        {
            Assert.Contains("'Features'", error.Message);
            Assert.Contains("unknown size", error.Message);
            Assert.Contains("ResizeImages", error.Message);
        }
    }

    public sealed class RaggedRow
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void ImageShapeMustMatchTheVectorLengthAndItsDimensions()
    {
        var ml = new MLContext(seed: 1);
        var plain = ImageTestData.Mnist(ml, 0, 32, dimensions: Array.Empty<int>());
        var product = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(ConvNet(new[] { 1, 28, 27 })).Fit(plain));
        Assert.Contains("[1, 28, 27]", product.Message);
        Assert.Contains("756", product.Message);
        Assert.Contains("'Features' has 784", product.Message);

        var missing = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(ConvNet()).Fit(plain));
        Assert.Contains("'Features'", missing.Message);
        Assert.Contains("ImageShape = { 1, 28, 28 }", missing.Message);

        var withDimensions = ImageTestData.Mnist(ml, 0, 32);
        var disagree = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(ConvNet(new[] { 1, 14, 56 })).Fit(withDimensions));
        Assert.Contains("[1, 28, 28]", disagree.Message);
        Assert.Contains("[1, 14, 56]", disagree.Message);

        var interleaved = ImageTestData.Mnist(ml, 0, 32, dimensions: new[] { 28, 28, 1 });
        var layout = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(ConvNet()).Fit(interleaved));
        Assert.Contains("interleaved", layout.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(ConvNet(new[] { 1, 0, 784 })));
        var mlpOption = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(new LineTrainerOptions { ImageShape = new[] { 1, 28, 28 } }));
        Assert.Contains("Network", mlpOption.Message);
    }

    [Fact]
    public void ChannelCountThatDoesNotMatchTheNetworkIsAnError()
    {
        var ml = new MLContext(seed: 1);
        var gray = ImageTestData.Mnist(ml, 0, 48, dimensions: new[] { 1, 28, 28 });

        // Normalization statistics for three channels on one-channel images.
        var options = ConvNet();
        options.ChannelMean = new[] { 0.5f, 0.5f, 0.5f };
        options.ChannelStd = new[] { 0.2f, 0.2f, 0.2f };
        var normalization = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(options).Fit(gray));
        Assert.Contains("ChannelMean has 3", normalization.Message);
        Assert.Contains("1 channel", normalization.Message);

        // A model trained on grayscale [1, 28, 28] given color-like [3, 28, 28] features (ConvertToGrayscale forgotten).
        using var model = ml.Subspaces().Trainers.Line(ConvNet()).Fit(gray);
        var color = ImageTestData.MnistColor(ml, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(color));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("3 channel(s); the model was trained on 1", e.Message);
        Assert.Contains("ConvertToGrayscale", e.Message);
    }
}
