using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>
/// After recomputation at a point, BatchNorm running statistics are those of that point's own activations on the
/// sample: mean, and the unbiased variance <c>batch_norm</c> stores (cumulative average over batches, momentum none).
/// </summary>
public class BatchNormRecomputationTests
{
    private static readonly long[] Pad1 = { 1, 1 };

    /// <summary>A 2-point ConvNet on 1x8x8 images whose points differ in every parameter, BatchNorm scale and shift included.</summary>
    private static SubspaceNetwork TwoPointConvNet(Generator g)
    {
        var spec = new NetworkSpec { Kind = NetworkArchitecture.ConvNet, InputSize = 64, InputShape = new[] { 1, 8, 8 }, ClassCount = 3, PointCount = 2, WidthMultiplier = 0.125 };
        var net = NetworkFactory.Create(spec, g);
        using (no_grad())
            foreach (var bn in net.BatchNormLayers)
            {
                bn.Scale.Points.copy_(rand(bn.Scale.Points.shape, generator: g) + 0.5);
                bn.Shift.Points.copy_(randn(bn.Shift.Points.shape, generator: g));
                bn.RunningMean.fill_(5); // stale statistics that must not survive recomputation
                bn.RunningVariance.fill_(9);
            }
        return net;
    }

    private static Tensor Mix(SubspaceParameter p, double a) => p.Points[0] * (1 - a) + p.Points[1] * a;

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        double diff = (expected - actual).abs().max().item<float>();
        double scale = Math.Max(1, expected.abs().max().item<float>());
        Assert.True(diff <= tolerance * scale, $"max |difference| {diff} exceeds {tolerance * scale}");
    }

    [Fact]
    public void RecomputedStatisticsEqualThoseOfThePointsOwnActivations()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(21);
        using var net = TwoPointConvNet(g);
        var sample = rand(new long[] { 48, 64 }, generator: g);
        const double a = 0.3;
        using var point = net.Materialize(new[] { 1 - a, a });

        Assert.True(point.RecomputeBatchNormStatistics(sample, batchSize: 48)); // one batch
        Assert.False(point.training);

        // Direct computation at a = 0.3 with hand-mixed weights: conv, batch statistics, BN with the batch's own
        // statistics (train mode), ReLU, pooling, next conv ...
        var convs = net.SubspaceLayers.OfType<SubspaceConv2d>().ToArray();
        var bns = net.BatchNormLayers.ToArray();
        var recomputed = point.BatchNormLayers.ToArray();
        using var _ = no_grad();
        var x = sample.view(-1, 1, 8, 8);
        for (int l = 0; l < 3; l++)
        {
            var h = nn.functional.conv2d(x, Mix(convs[l].Weight, a), padding: Pad1);
            var mean = h.mean(new long[] { 0, 2, 3 });
            var variance = h.var(new long[] { 0, 2, 3 }, unbiased: true); // what batch_norm stores in running_var
            AssertClose(mean, recomputed[l].RunningMean, 1e-4);
            AssertClose(variance, recomputed[l].RunningVariance, 1e-4);
            var normalized = (h - mean.view(1, -1, 1, 1)) / (h.var(new long[] { 0, 2, 3 }, unbiased: false).view(1, -1, 1, 1) + 1e-5).sqrt();
            x = (normalized * Mix(bns[l].Scale, a).view(1, -1, 1, 1) + Mix(bns[l].Shift, a).view(1, -1, 1, 1)).relu();
            if (l < 2) x = nn.functional.max_pool2d(x, 2);
        }
    }

    [Fact]
    public void SeveralBatchesGiveTheCumulativeAverageOfBatchStatistics()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(22);
        using var net = TwoPointConvNet(g);
        var sample = rand(new long[] { 64, 64 }, generator: g);
        const double a = 0.8;
        using var point = net.Materialize(new[] { 1 - a, a });
        point.RecomputeBatchNormStatistics(sample, batchSize: 16); // 4 equal batches

        var conv1 = net.SubspaceLayers.OfType<SubspaceConv2d>().First();
        var bn1 = point.BatchNormLayers.First();
        using var _ = no_grad();
        var h = nn.functional.conv2d(sample.view(-1, 1, 8, 8), Mix(conv1.Weight, a), padding: Pad1);
        var batches = h.split(16, 0);
        var meanOfMeans = stack(batches.Select(b => b.mean(new long[] { 0, 2, 3 })).ToArray()).mean(new long[] { 0 });
        var meanOfVariances = stack(batches.Select(b => b.var(new long[] { 0, 2, 3 }, unbiased: true)).ToArray()).mean(new long[] { 0 });
        AssertClose(meanOfMeans, bn1.RunningMean, 1e-4);
        AssertClose(meanOfVariances, bn1.RunningVariance, 1e-4);
        // Equal batches: the average of batch means is the sample mean.
        AssertClose(h.mean(new long[] { 0, 2, 3 }), bn1.RunningMean, 1e-4);
        // The momentum set on the layers is restored afterwards.
        Assert.All(point.BatchNormLayers, l => Assert.Equal(0.1, l.Momentum));
    }

    [Fact]
    public void NetworksWithoutBatchNormSkipRecomputationAndSeveralPointsAreRefused()
    {
        using var scope = NewDisposeScope();
        using var mlp = NetworkFactory.Create(new NetworkSpec { Kind = NetworkArchitecture.Mlp, InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2 });
        Assert.False(mlp.HasBatchNorm);
        Assert.False(mlp.RecomputeBatchNormStatistics(ones(2, 4), 2));

        using var g = new Generator(23);
        using var net = TwoPointConvNet(g);
        var e = Assert.Throws<InvalidOperationException>(() => net.RecomputeBatchNormStatistics(ones(2, 64), 2));
        Assert.Contains("Materialize", e.Message);
    }

    [Fact]
    public void SharedNetworkGivesEachPointItsOwnRecomputedStatistics()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(24);
        var net = TwoPointConvNet(g);
        var sample = rand(new long[] { 40, 64 }, generator: g).DetachFromDisposeScope();
        var shared = new SharedNetwork(net, sample, batchNormBatchSize: 16);
        try
        {
            var at03 = shared.UseAt(new[] { 0.7, 0.3 }, n => n);
            var at09 = shared.UseAt(new[] { 0.1, 0.9 }, n => n);
            Assert.Same(at03, shared.UseAt(new[] { 0.7, 0.3 }, n => n)); // cached per point
            using var reference = net.Materialize(new[] { 0.1, 0.9 });
            reference.RecomputeBatchNormStatistics(sample, 16);
            foreach (var (expected, actual) in reference.BatchNormLayers.Zip(at09.BatchNormLayers))
            {
                AssertClose(expected.RunningMean, actual.RunningMean, 1e-6);
                AssertClose(expected.RunningVariance, actual.RunningVariance, 1e-6);
            }
            // Different points, different statistics; the stale training statistics (5 and 9) are gone.
            Assert.False(at03.BatchNormLayers.First().RunningMean.allclose(at09.BatchNormLayers.First().RunningMean));
            Assert.All(at03.BatchNormLayers, l => Assert.False(l.RunningVariance.eq(9).all().item<bool>()));
        }
        finally
        {
            shared.Release();
        }
    }

    [Fact]
    public void ValidationAccuracyDuringTrainingUsesStatisticsRecomputedAtTheCenter()
    {
        var ml = new MLContext(seed: 4);
        var train = ImageTestData.Mnist(ml, 0, 160);
        var validation = ImageTestData.Mnist(ml, 0, 120, test: true);
        using var model = ml.Subspaces().Trainers.Line(new LineTrainerOptions
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, Epochs = 1, BatchSize = 32, LearningRate = 0.02, ValidationSet = validation,
        }).Fit(train);
        // The fitted model predicts at the center with statistics recomputed on the same sample and batch size as
        // the training loop's validation pass, so the two accuracies are the same number.
        double logged = model.TrainingHistory[^1].ValidationAccuracy!.Value;
        double scored = ml.Subspaces().Evaluate(model.Transform(validation)).Accuracy;
        Assert.Equal(scored, logged, 10);

        // With the running statistics left by training (no recomputation) the center predicts differently.
        using var stale = model.Weights.Network.Materialize(model.Shape.Coefficients(model.Shape.Center));
        var features = validation.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        using var x = tensor(features, new long[] { 120, 784 });
        using var recomputedCenter = model.Weights.UseAt(model.Shape.Coefficients(model.Shape.Center), n => n.forward(x));
        using var staleCenter = stale.forward(x);
        Assert.False(recomputedCenter.allclose(staleCenter, rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void RecomputingTheFirstBlocksGivesTheirFullRecomputationsStatisticsAndLeavesTheLaterBlocksAlone()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(23);
        using var net = TwoPointConvNet(g);
        var sample = rand(new long[] { 50, 64 }, generator: g);
        using var full = (SubspaceConvNet)net.Materialize(new[] { 0.6, 0.4 });
        using var partial = (SubspaceConvNet)net.Materialize(new[] { 0.6, 0.4 });
        Assert.True(full.RecomputeBatchNormStatistics(sample, batchSize: 16));
        Assert.True(partial.RecomputeBatchNormStatistics(sample, batchSize: 16, blocks: 2));
        Assert.False(partial.training);
        var expected = full.BatchNormLayers.ToArray();
        var actual = partial.BatchNormLayers.ToArray();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].RunningMean.data<float>().ToArray(), actual[i].RunningMean.data<float>().ToArray());
            Assert.Equal(expected[i].RunningVariance.data<float>().ToArray(), actual[i].RunningVariance.data<float>().ToArray());
        }
        // The third block did not run: its stale statistics are as they were.
        Assert.All(actual[2].RunningMean.data<float>().ToArray(), v => Assert.Equal(5f, v));
        Assert.All(actual[2].RunningVariance.data<float>().ToArray(), v => Assert.Equal(9f, v));
    }
}
