using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Curves;

/// <summary>The small extensions of Training/ the curve, FGE and SWA trainers rely on.</summary>
public sealed class TrainingExtensionTests
{
    private static SubspaceNetwork Network(int points)
    {
        using var g = new Generator(7, CPU);
        return NetworkFactory.Create(new NetworkSpec { InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2, PointCount = points }, g);
    }

    [Fact]
    public void SgdNeverWritesFixedPointsEvenWithGradientsAndDecay()
    {
        using var network = Network(3);
        using var sgd = new SubspaceSgd(network, momentum: 0.9, weightDecay: 0.1, trainablePoints: new[] { 1 }) { LearningRate = 0.5 };
        var before = CurveFixture.Points(network);
        foreach (var p in network.SubspaceParameters) p.Points.grad = ones_like(p.Points).DetachFromDisposeScope();
        sgd.StepFromPointGradients();
        sgd.StepFromPointGradients();
        var after = CurveFixture.Points(network);
        for (int p = 0; p < before.Length; p++)
        {
            Assert.Equal(before[p][0], after[p][0]);
            Assert.Equal(before[p][2], after[p][2]);
            Assert.NotEqual(before[p][1], after[p][1]);
        }
    }

    [Fact]
    public void MixedWeightDecayReachesEachPointThroughItsCoefficient()
    {
        using var network = Network(3);
        double[] c = { 0.25, 0.5, 0.25 };
        const double wd = 0.1;
        using var x = randn(5, 4, generator: new Generator(3, CPU));
        using var y = tensor(new long[] { 0, 1, 0, 1, 1 });

        // Reference gradient of the cross-entropy alone.
        network.Mix(c);
        nn.functional.cross_entropy(network.forward(x), y).backward();
        var lossGrads = network.SubspaceParameters.Select(p => p.Mixed!.grad!.clone()).ToArray();
        var mixed = network.SubspaceParameters.Select(p => p.Mixed!.detach().clone()).ToArray();
        network.ClearMixing();

        network.Mix(c);
        nn.functional.cross_entropy(network.forward(x), y).backward();
        double term = SubspaceTrainingLoop.AddMixedWeightDecay(network, wd);
        network.GatherGradients();
        var parameters = network.SubspaceParameters.ToArray();
        double squares = 0;
        for (int p = 0; p < parameters.Length; p++)
        {
            squares += mixed[p].square().sum().item<float>();
            for (int i = 0; i < 3; i++)
            {
                var expected = (lossGrads[p] + mixed[p] * wd) * c[i];
                Assert.True(parameters[p].Points.grad![i].allclose(expected, rtol: 1e-5, atol: 1e-7), $"parameter {p}, point {i}");
            }
        }
        Assert.Equal(0.5 * wd * squares, term, 4);
    }

    [Fact]
    public void WeightAverageIsTheMeanOfTheAddedWeights()
    {
        var networks = Enumerable.Range(0, 3).Select(i =>
        {
            using var g = new Generator((ulong)(10 + i), CPU);
            return NetworkFactory.Create(new NetworkSpec { InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2 }, g);
        }).ToArray();
        using var average = new WeightAverage();
        foreach (var n in networks) average.Add(n);
        Assert.Equal(3, average.Count);
        using var target = Network(1);
        average.CopyTo(target);
        var result = CurveFixture.Points(target);
        var all = networks.Select(CurveFixture.Points).ToArray();
        for (int p = 0; p < result.Length; p++)
            for (int i = 0; i < result[p][0].Length; i++)
                Assert.Equal((all[0][p][0][i] + all[1][p][0][i] + all[2][p][0][i]) / 3, result[p][0][i], 1e-6f);
        foreach (var n in networks) n.Dispose();
    }

    [Fact]
    public void TrainingInPlaceWithAStepLimitStopsMidEpochAndReportsSteps()
    {
        using var network = Network(1);
        using var data = TensorDataset.FromArrays(Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i)).ToArray(), Enumerable.Range(0, 10).Select(i => (long)(i % 2)).ToArray(), 2);
        var steps = new List<long>();
        var epochs = new List<int>();
        var loop = new SubspaceTrainingLoop(Shapes.SinglePoint.Instance, new TrainingSettings { BatchSize = 4, TotalSteps = 7, Seed = 1 })
        {
            AfterStep = s => steps.Add(s),
            AfterEpoch = e => epochs.Add(e),
        };
        loop.Train(network, data);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), steps); // 3 batches per epoch: 3 + 3 + 1
        Assert.Equal(new[] { 1, 2, 3 }, epochs);
        Assert.Equal(3, loop.History.Count);
    }

    [Fact]
    public void SettingsRejectEmptyTrainablePoints() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingSettings { TrainablePoints = Array.Empty<int>() }.Validate());
}
