using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Subspace conv and BatchNorm layers compute what conv2d and batch_norm compute with hand-mixed weights.</summary>
public class ConvAndBatchNormMixingTests
{
    private static readonly double[] C3 = { 0.2, 0.5, 0.3 };

    private static Tensor HandMix(Tensor points, double[] c)
    {
        var sum = points[0] * c[0];
        for (int i = 1; i < c.Length; i++) sum = sum + points[i] * c[i];
        return sum;
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        double scale = Math.Max(1, expected.abs().max().item<float>());
        Assert.True(diff <= tolerance * scale, $"max |difference| {diff} exceeds {tolerance * scale}");
    }

    [Fact]
    public void Conv2dMixesWeightAndBiasPointsLikeConv2dWithHandMixedWeights()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        using var conv = new SubspaceConv2d(3, 5, 3, pointCount: 3, stride: 2, padding: 1, hasBias: true, generator: g);
        using (no_grad()) conv.Bias!.Points.copy_(randn(3, 5, generator: g));
        var x = randn(new long[] { 4, 3, 9, 9 }, generator: g);

        ((ISubspaceLayer)conv).Mix(C3);
        var y = conv.forward(x);
        var expected = nn.functional.conv2d(x, HandMix(conv.Weight.Points, C3), HandMix(conv.Bias.Points, C3), strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 });
        Assert.Equal(new long[] { 4, 5, 5, 5 }, y.shape);
        AssertClose(expected, y);

        // Gradients: point i receives c_i * dL/dW of the mixed weight.
        var upstream = randn(y.shape, generator: g);
        (y * upstream).sum().backward();
        conv.Weight.GatherGradient();
        conv.Bias.GatherGradient();
        var w = HandMix(conv.Weight.Points, C3).detach().requires_grad_(true);
        var b = HandMix(conv.Bias.Points, C3).detach().requires_grad_(true);
        (nn.functional.conv2d(x, w, b, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 }) * upstream).sum().backward();
        for (int i = 0; i < 3; i++)
        {
            AssertClose(w.grad! * C3[i], conv.Weight.Points.grad![i], 1e-4);
            AssertClose(b.grad! * C3[i], conv.Bias.Points.grad![i], 1e-4);
        }
    }

    [Fact]
    public void Conv2dInitializesEveryPointKaimingNormalByFanIn()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        using var conv = new SubspaceConv2d(16, 64, 3, pointCount: 2, generator: g);
        Assert.Equal(new long[] { 2, 64, 16, 3, 3 }, conv.Weight.Points.shape);
        Assert.Null(conv.Bias);
        double expectedStd = Math.Sqrt(2.0 / (16 * 9));
        for (int i = 0; i < 2; i++)
        {
            double std = conv.Weight.Points[i].std().item<float>();
            Assert.InRange(std, expectedStd * 0.95, expectedStd * 1.05);
        }
        // Independent draws: the two points are nearly orthogonal.
        var flat = conv.Weight.Points.reshape(2, -1);
        double cos = (flat[0].dot(flat[1]) / (flat[0].norm() * flat[1].norm())).item<float>();
        Assert.InRange(cos, -0.1, 0.1);
    }

    [Fact]
    public void BatchNormMixesScaleAndShiftPointsLikeBatchNormWithHandMixedAffine()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        using var bn = new SubspaceBatchNorm2d(6, pointCount: 3);
        Assert.True(bn.Scale.Points.eq(1).all().item<bool>());
        Assert.True(bn.Shift.Points.eq(0).all().item<bool>());
        Assert.False(bn.Scale.Regularized);
        Assert.False(bn.Shift.Regularized);
        using (no_grad())
        {
            bn.Scale.Points.copy_(rand(3, 6, generator: g) + 0.5);
            bn.Shift.Points.copy_(randn(3, 6, generator: g));
        }
        var x = randn(new long[] { 8, 6, 5, 5 }, generator: g) * 3 + 1;
        var runningMean = zeros(6);
        var runningVar = ones(6);

        bn.train();
        ((ISubspaceLayer)bn).Mix(C3);
        var y = bn.forward(x);
        var expected = nn.functional.batch_norm(x, runningMean, runningVar, HandMix(bn.Scale.Points, C3), HandMix(bn.Shift.Points, C3), training: true, momentum: 0.1, eps: 1e-5);
        AssertClose(expected, y);
        AssertClose(runningMean, bn.RunningMean);
        AssertClose(runningVar, bn.RunningVariance);

        bn.eval();
        var z = bn.forward(x);
        var expectedEval = nn.functional.batch_norm(x, runningMean, runningVar, HandMix(bn.Scale.Points, C3), HandMix(bn.Shift.Points, C3), training: false);
        AssertClose(expectedEval, z);
    }

    [Fact]
    public void CosineRegularizerCoversConvAndLinearWeightsButNotBiasesOrBatchNorm()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        var spec = new NetworkSpec { Kind = NetworkArchitecture.ConvNet, InputSize = 64, InputShape = new[] { 1, 8, 8 }, ClassCount = 10, PointCount = 2, WidthMultiplier = 0.25 };
        using var net = NetworkFactory.Create(spec, g);
        var regularized = net.SubspaceParameters.Where(p => p.Regularized).ToList();
        var convs = net.SubspaceLayers.OfType<SubspaceConv2d>().ToList();
        var linear = net.SubspaceLayers.OfType<SubspaceLinear>().Single();
        Assert.Equal(convs.Select(c => c.Weight).Append(linear.Weight), regularized);

        // cos^2 over the concatenation of conv and linear weights only.
        var w0 = cat(regularized.Select(p => p.Points[0].flatten()).ToArray());
        var w1 = cat(regularized.Select(p => p.Points[1].flatten()).ToArray());
        double cos = (w0.dot(w1) / (w0.norm() * w1.norm())).item<float>();
        Assert.Equal(cos * cos, net.CosineSquared(0, 1), 4);
    }

    [Fact]
    public void EveryConvAndBatchNormIsItsOwnLayerForLayerWiseSampling()
    {
        using var scope = NewDisposeScope();
        var spec = new NetworkSpec { Kind = NetworkArchitecture.ResNet20, InputSize = 64, InputShape = new[] { 1, 8, 8 }, ClassCount = 10, PointCount = 2, WidthMultiplier = 0.25 };
        using var net = NetworkFactory.Create(spec);
        // stem conv + BN, 9 blocks of 2 conv + 2 BN, 2 shortcuts of conv + BN, classifier.
        Assert.Equal(43, net.SubspaceLayers.Count);
        Assert.Equal(21, net.SubspaceLayers.Count(l => l is SubspaceConv2d));
        Assert.Equal(21, net.SubspaceLayers.Count(l => l is SubspaceBatchNorm2d));
        Assert.IsType<SubspaceLinear>(net.SubspaceLayers[^1]);

        var perLayer = Enumerable.Range(0, net.SubspaceLayers.Count).Select(i => new[] { 1 - i / 50.0, i / 50.0 }).ToArray();
        net.Mix(perLayer);
        for (int i = 0; i < perLayer.Length; i++)
            foreach (var p in net.SubspaceLayers[i].Parameters)
                Assert.Equal(perLayer[i], p.Coefficients);
        net.ClearMixing();
    }

    [Theory]
    [InlineData(NetworkArchitecture.ConvNet)]
    [InlineData(NetworkArchitecture.ResNet20)]
    public void MaterializedPointComputesWhatTheMixedNetworkComputes(NetworkArchitecture kind)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(13);
        var spec = new NetworkSpec
        {
            Kind = kind, InputSize = 3 * 8 * 8, InputShape = new[] { 3, 8, 8 }, ClassCount = 4, PointCount = 2, WidthMultiplier = 0.25,
            ChannelMean = new[] { 0.1, 0.2, 0.3 }, ChannelStd = new[] { 0.5, 1.0, 2.0 },
        };
        using var net = NetworkFactory.Create(spec, g);
        using (no_grad())
            foreach (var bn in net.BatchNormLayers)
            {
                bn.Shift.Points.copy_(randn(bn.Shift.Points.shape, generator: g));
                bn.RunningMean.copy_(randn(bn.RunningMean.shape, generator: g) * 0.1);
            }
        var x = rand(new long[] { 5, 3 * 8 * 8 }, generator: g);
        var c = new[] { 0.35, 0.65 };
        net.eval();
        net.Mix(c);
        Tensor mixed;
        using (no_grad()) mixed = net.forward(x);
        net.ClearMixing();
        using var point = net.Materialize(c);
        Tensor materialized;
        using (no_grad()) materialized = point.forward(x);
        AssertClose(mixed, materialized, 1e-4);
    }
}
