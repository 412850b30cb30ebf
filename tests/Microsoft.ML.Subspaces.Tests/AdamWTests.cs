using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// AdamW as the optimizer of every point: on one point it is <c>torch.optim.AdamW</c>; on a line each point takes its
/// own moments of its share of the gradient, frozen points never move, and the trainers train with it.
/// </summary>
public class AdamWTests
{
    private static SubspaceMlp Network(int points)
    {
        using var generator = new Generator(5, CPU);
        return new SubspaceMlp(new NetworkSpec { InputSize = 6, HiddenSizes = new[] { 5 }, ClassCount = 3, PointCount = points }, generator);
    }

    [Fact]
    public void OnOnePointItIsTorchsAdamW()
    {
        using var network = Network(1);
        const double lr = 0.01, decay = 0.1;
        using var adam = new SubspaceAdamW(network, decay) { LearningRate = lr };
        // The reference: plain tensors with the same values, torch.optim.AdamW with the same settings.
        var parameters = network.SubspaceParameters.ToArray();
        var referenceParameters = parameters.Select(p => new TorchSharp.Modules.Parameter(p.Points[0].detach().clone())).ToArray();
        using var torchAdam = optim.AdamW(referenceParameters, lr: lr, weight_decay: decay);
        using var generator = new Generator(3, CPU);
        for (int step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 8, 6 }, generator: generator);
            var y = tensor(new long[] { 0, 1, 2, 1, 0, 2, 2, 1 });
            network.Mix(new[] { 1.0 });
            nn.functional.cross_entropy(network.forward(x), y).backward();
            adam.Step(null, null);
            network.ClearMixing();

            torchAdam.zero_grad();
            var h = nn.functional.linear(x, referenceParameters[0], referenceParameters[1]).relu();
            nn.functional.cross_entropy(nn.functional.linear(h, referenceParameters[2], referenceParameters[3]), y).backward();
            torchAdam.step();
        }
        for (int p = 0; p < parameters.Length; p++)
        {
            using var ours = parameters[p].Points[0];
            Assert.True(ours.allclose(referenceParameters[p], rtol: 1e-5, atol: 1e-6),
                $"parameter {p}: largest difference {(ours - referenceParameters[p]).abs().max().item<float>():G3}");
        }
    }

    [Fact]
    public void FrozenPointsNeverMoveAndEachPointKeepsItsOwnMoments()
    {
        using var network = Network(2);
        using var adam = new SubspaceAdamW(network, weightDecay: 0.01, trainablePoints: new[] { 1 }) { LearningRate = 0.01 };
        var parameters = network.SubspaceParameters.ToArray();
        var frozen = parameters.Select(p => p.Points[0].detach().clone()).ToArray();
        var moving = parameters.Select(p => p.Points[1].detach().clone()).ToArray();
        using var generator = new Generator(3, CPU);
        using var x = randn(new long[] { 8, 6 }, generator: generator);
        using var y = tensor(new long[] { 0, 1, 2, 1, 0, 2, 2, 1 });
        network.Mix(new[] { 0.7, 0.3 });
        nn.functional.cross_entropy(network.forward(x), y).backward();
        adam.Step(null, new[] { new[] { 0.5, 0.5 }, new[] { 0.5, 0.5 } });
        for (int p = 0; p < parameters.Length; p++)
        {
            Assert.True(parameters[p].Points[0].eq(frozen[p]).all().item<bool>(), $"parameter {p}: the frozen point moved");
            Assert.False(parameters[p].Points[1].eq(moving[p]).all().item<bool>(), $"parameter {p}: the trainable point did not move");
        }
        // The step left the next batch's mix: the mean of the two points.
        using var mixed = parameters[0].Mixed!.detach();
        using var mean = (parameters[0].Points[0] + parameters[0].Points[1]) / 2;
        Assert.True(mixed.allclose(mean, rtol: 1e-6, atol: 1e-7));
        Assert.Equal(1, adam.Steps);
        network.ClearMixing();
    }

    [Fact]
    public void TheTrainersTrainWithIt()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 800));
        var test = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTest, 0, 400));
        var options = TestData.SmallLine(epochs: 8);
        options.Optimizer = OptimizerKind.AdamW;
        options.Seed = 2;
        Assert.Equal(0.001, options.EffectiveLearningRate); // AdamW's default when LearningRate is not set
        options.LearningRate = 0.01; // a short fit: 100 steps
        var sgdOptions = TestData.SmallLine(epochs: 8);
        Assert.Equal(0.05, sgdOptions.EffectiveLearningRate);
        using var adam = ml.Subspaces().Trainers.Line(options).Fit(train);
        sgdOptions.Seed = 2;
        using var sgd = ml.Subspaces().Trainers.Line(sgdOptions).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(adam.Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.85, $"AdamW line accuracy {accuracy:P2}");
        Assert.NotEqual(TestData.Scores(sgd.Transform(test))[0], TestData.Scores(adam.Transform(test))[0]);
    }
}
