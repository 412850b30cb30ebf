using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Subspaces.Tests.Images;
using TorchSharp;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// A service that fits, predicts and replaces models keeps flat native memory: once a model is disposed, no tensor
/// it created is left for the finalizer (counted by TorchSharp's per-thread live-tensor statistics).
/// </summary>
public class NativeMemoryTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public NativeMemoryTests(SmallLineFixture fixture) => _f = fixture;

    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Fitting_and_disposing_models_leaves_no_tensor_alive()
    {
        var data = TestData.Keyed(_f.Context, _f.Train);
        for (int i = 0; i < 3; i++)
        {
            long before = Live;
            using (var model = _f.Context.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 16 }, Epochs = 2, BatchSize = 64, Seed = i, ValidationFraction = 0.2 }).Fit(data))
                model.PredictProbabilities(_f.TestRows[0].Features);
            Assert.Equal(before, Live);
        }
    }

    [Fact]
    public void Fitting_and_disposing_a_convnet_leaves_no_tensor_alive()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 128);
        long before = Live;
        using (var model = ml.Subspaces().Trainers.Line(new LineTrainerOptions
               { Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, Epochs = 1, BatchSize = 32, Seed = 1, BatchNormSampleRows = 64 }).Fit(train))
        using (var ends = model.WithEnsemble(SubspaceEnsemble.Endpoints))
            ml.MulticlassClassification.Evaluate(ends.Transform(train));
        Assert.Equal(before, Live);
    }

    [Fact]
    public void Many_point_copies_and_a_large_sampled_ensemble_keep_memory_bounded_by_the_cache()
    {
        var data = TestData.Keyed(_f.Context, _f.Train);
        var features = _f.TestRows.Take(20).SelectMany(r => r.Features).ToArray();
        long before = Live;
        using (var model = _f.Context.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 16 }, Epochs = 1, Seed = 1 }).Fit(data))
        {
            long fitted = Live;
            for (int i = 0; i < 400; i++)
                using (var copy = model.WithPoint(i / 399.0)) copy.PredictProbabilities(features);
            using (var sampled = model.WithEnsemble(SubspaceEnsemble.Sampled(100)))
                for (int i = 0; i < 5; i++) sampled.PredictProbabilities(features);
            // At most the cached point networks (weight and bias of two layers, the standardization's two buffers) remain with the model: 64, or as
            // many as the largest ensemble (100 here), so that an ensemble does not rebuild its networks every batch.
            Assert.InRange(Live - fitted, 0, 100 * 6);
            Assert.InRange(model.Weights.CachedPointCount, 1, 100);
        }
        Assert.Equal(before, Live);
    }
}
