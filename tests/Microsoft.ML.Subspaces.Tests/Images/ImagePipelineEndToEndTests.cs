using Microsoft.ML.Subspaces.Networks;
using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using Xunit.Abstractions;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>PNG files through LoadImages, ResizeImages, ConvertToGrayscale and ExtractPixels into a subspace ConvNet.</summary>
public class ImagePipelineEndToEndTests(ITestOutputHelper output)
{
    internal static IEstimator<ITransformer> Preprocessing(MLContext ml, string imageFolder, int size = 28) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.LoadImages("Image", imageFolder, "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", size, size))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1 / 255f));

    /// <summary>
    /// 400 training PNGs (40 per digit), 2 epochs of a line of small ConvNets (width 0.5), evaluated on 200 test PNGs
    /// (20 per digit). Chance is 10%; the test asserts at least 50% at the midpoint and 30% at an endpoint (measured:
    /// see the report). A broken pipeline (wrong pixel layout, stale BatchNorm statistics, misaligned labels) lands
    /// near chance. Then the whole pipeline, ImageAnalytics transforms included, is saved, loaded and scores the PNGs
    /// identically.
    /// </summary>
    [Fact]
    public void LineConvNetOnPngsReachesAccuracyFarAboveChanceAndThePipelineRoundTrips()
    {
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 3);
        var trainRows = ml.Data.LoadFromEnumerable(ImageTestData.Pngs("train", 40));
        var testRows = ml.Data.LoadFromEnumerable(ImageTestData.Pngs("test", 20));
        var preprocessing = Preprocessing(ml, ImageTestData.PngRoot).Fit(trainRows);
        var train = preprocessing.Transform(trainRows);
        var test = ml.Data.Cache(preprocessing.Transform(testRows));
        Assert.Equal(new[] { 1, 28, 28 }, ((VectorDataViewType)train.Schema["Features"].Type).Dimensions.ToArray());

        using var model = ml.Subspaces().Trainers.Line(new LineTrainerOptions
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.5, Epochs = 4, BatchSize = 32, LearningRate = 0.02, RandomCropPadding = 1,
        }).Fit(train);
        var midpoint = ml.Subspaces().Evaluate(model.Transform(test));
        using var atZero = model.WithPoint(0.0);
        var endpoint = ml.Subspaces().Evaluate(atZero.Transform(test));
        output.WriteLine($"midpoint accuracy {midpoint.Accuracy:P1}, endpoint a=0 {endpoint.Accuracy:P1}, log-loss {midpoint.LogLoss:F3}, ECE {midpoint.ExpectedCalibrationError:F3}; {clock.Elapsed.TotalSeconds:F1}s");
        Assert.True(midpoint.Accuracy >= 0.5, $"midpoint accuracy {midpoint.Accuracy:P1} on 200 test PNGs; chance is 10%");
        Assert.True(endpoint.Accuracy >= 0.3, $"endpoint accuracy {endpoint.Accuracy:P1} on 200 test PNGs; chance is 10%");

        // The user's whole pipeline (image transforms + model) through Save/Load scores the PNG paths identically.
        var pipeline = preprocessing.Append(model);
        string path = Path.Combine(Path.GetTempPath(), $"subspaces-png-pipeline-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Subspaces().Model.Save(pipeline, trainRows.Schema, path);
            var loaded = ml.Subspaces().Model.Load(path, out _);
            var expected = pipeline.Transform(testRows).GetColumn<float[]>("Score").ToArray();
            var actual = loaded.Transform(testRows).GetColumn<float[]>("Score").ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
            foreach (var t in (IEnumerable<ITransformer>)loaded) (t as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
