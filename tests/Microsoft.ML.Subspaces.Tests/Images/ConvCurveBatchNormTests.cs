using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>
/// A curve between two networks with BatchNorm recomputes statistics at every point (Garipov et al.'s update_bn):
/// the stacked curve only carries the start model's running statistics, which do not fit the end model's weights.
/// </summary>
public class ConvCurveBatchNormTests
{
    [Fact]
    public void CurveEndsPredictAsTheirModelsWithStatisticsRecomputedPerPoint()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        var test = ImageTestData.Mnist(ml, 0, 200, test: true);
        StandardTrainerOptions Options(int seed) => new()
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, ChannelMean = new[] { 0.13f }, ChannelStd = new[] { 0.31f },
            Epochs = 2, BatchSize = 32, LearningRate = 0.05, BatchNormSampleRows = 256, Seed = seed,
        };
        using var start = ml.Subspaces().Trainers.Standard(Options(1)).Fit(train);
        using var end = ml.Subspaces().Trainers.Standard(Options(2)).Fit(train);
        using var curve = ml.Subspaces().Trainers.ConnectCurve(start, end, new ConnectCurveOptions { Epochs = 1, BatchSize = 32, BatchNormSampleRows = 256 }).Fit(train);

        var features = test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        using var atEnd = curve.WithPoint(1.0);
        using var atStart = curve.WithPoint(0.0);
        // Statistics over the same 256 rows, batched in another order (the variance is averaged per batch): the ends
        // of the curve predict as their models up to that.
        AssertSamePredictions(end.PredictProbabilities(features), atEnd.PredictProbabilities(features));
        AssertSamePredictions(start.PredictProbabilities(features), atStart.PredictProbabilities(features));
        Assert.Equal(256, curve.Weights.BatchNormSample?.shape[0]); // kept, and saved, with the curve

        // The straight segment between them, which has no training data of its own, uses the start model's rows.
        using var segment = ml.Subspaces().Segment(start, end);
        using var segmentEnd = segment.WithPoint(1.0);
        AssertSamePredictions(end.PredictProbabilities(features), segmentEnd.PredictProbabilities(features));
    }

    private static void AssertSamePredictions(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double mean = expected.Zip(actual).Average(p => Math.Abs(p.First - p.Second));
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(mean <= 1e-3, $"mean probability difference {mean} (largest {worst})");
    }
}
