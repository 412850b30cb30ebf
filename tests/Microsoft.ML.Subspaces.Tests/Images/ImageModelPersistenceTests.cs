using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>A saved and loaded image model recomputes the same BatchNorm statistics and predicts identically at every point.</summary>
public class ImageModelPersistenceTests
{
    [Fact]
    public void LoadedModelPredictsIdenticallyAtMidpointAndAnotherPoint()
    {
        var ml = new MLContext(seed: 1);
        // Pixels without dimensions (as read from a CSV), the image shape given explicitly.
        var train = ImageTestData.Mnist(ml, 0, 256, dimensions: Array.Empty<int>());
        var test = ImageTestData.Mnist(ml, 0, 100, dimensions: Array.Empty<int>(), test: true);
        using var model = ml.Subspaces().Trainers.Line(new LineTrainerOptions
        {
            Network = NetworkArchitecture.ConvNet, ImageShape = new[] { 1, 28, 28 }, WidthMultiplier = 0.25,
            ChannelMean = new[] { 0.13f }, ChannelStd = new[] { 0.31f },
            Epochs = 1, BatchSize = 32, LearningRate = 0.02, BatchNormSampleRows = 100,
        }).Fit(train);
        Assert.Equal(100, model.Weights.BatchNormSample!.shape[0]);

        string path = Path.Combine(Path.GetTempPath(), $"subspaces-images-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Subspaces().Model.Save(model, train.Schema, path);
            using var loaded = (SubspaceTransformer)ml.Subspaces().Model.Load(path, out _);
            Assert.True(model.Network.SameArchitecture(loaded.Network));
            Assert.Equal(new[] { 0.13 }, loaded.Network.ChannelMean.Select(v => Math.Round(v, 6)));
            Assert.Equal(new[] { 1, 28, 28 }, loaded.Network.InputShape);
            Assert.Equal(100, loaded.Weights.BatchNormSample!.shape[0]);

            var features = test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
            using var at03 = model.WithPoint(0.3);
            using var loadedAt03 = loaded.WithPoint(0.3);
            var midpoint = model.PredictProbabilities(features);
            var point03 = at03.PredictProbabilities(features);
            Assert.Equal(midpoint, loaded.PredictProbabilities(features));
            Assert.Equal(point03, loadedAt03.PredictProbabilities(features));
            // The two points are different networks, so the comparison above is not vacuous.
            Assert.True(midpoint.Zip(point03).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModelsWithoutBatchNormSaveNoSample()
    {
        var ml = new MLContext(seed: 2);
        var train = ImageTestData.Mnist(ml, 0, 64, dimensions: Array.Empty<int>());
        using var model = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8 }, Epochs = 1, BatchSize = 32 }).Fit(train);
        Assert.Null(model.Weights.BatchNormSample);
        using var stream = new MemoryStream();
        ml.Subspaces().Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        using var zip = new System.IO.Compression.ZipArchive(stream);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith("batchnorm-sample.bin", StringComparison.Ordinal));
    }
}
