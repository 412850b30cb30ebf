using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests.Curves;

[Collection("Curves")]
public sealed class StochasticWeightAveragingTests(CurveFixture f)
{
    [Fact]
    public void TheResultIsTheMeanOfTheWeightsCollectedOncePerEpochFromTheStartEpoch()
    {
        var options = new StochasticWeightAveragingOptions { Epochs = 5, SwaStartEpoch = 3, HiddenLayers = new[] { CurveFixture.Hidden }, Seed = 6, BatchSize = CurveFixture.BatchSize };
        var trainer = f.Ml.Subspaces().Trainers.StochasticWeightAveraging(options);
        var collected = new List<(int Epoch, float[][][] Weights)>();
        trainer.WeightsCollected = (epoch, network) => collected.Add((epoch, CurveFixture.Points(network)));
        using var swa = trainer.Fit(f.Train);

        Assert.Same(SinglePoint.Instance, swa.Shape);
        Assert.Equal(new[] { 3, 4, 5 }, collected.Select(c => c.Epoch));
        Assert.NotEqual(collected[0].Weights[0][0], collected[2].Weights[0][0]);
        var result = CurveFixture.Points(swa.Weights.Network);
        for (int p = 0; p < result.Length; p++)
            for (int i = 0; i < result[p][0].Length; i++)
            {
                float mean = collected.Sum(c => c.Weights[p][0][i]) / collected.Count;
                Assert.Equal(mean, result[p][0][i], 1e-6f);
            }
        Assert.True(f.Ml.Subspaces().Evaluate(swa.Transform(f.Test)).Accuracy > 0.5);
        Assert.Equal(5, swa.TrainingHistory.Count);
        Assert.Equal(0.01, swa.TrainingHistory[^1].LearningRate, 12); // constant SWA rate in the averaging phase
    }

    [Fact]
    public void StartEpochOutsideTheRunIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            f.Ml.Subspaces().Trainers.StochasticWeightAveraging(new StochasticWeightAveragingOptions { Epochs = 4, SwaStartEpoch = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            f.Ml.Subspaces().Trainers.StochasticWeightAveraging(new StochasticWeightAveragingOptions { SwaLearningRate = 1.0 }));
    }
}
