using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Tests;

public class PointSamplerTests
{
    [Fact]
    public void DrawsPointThenPairPerBatchFromOneSeededStream()
    {
        var shape = new SimplexSubspace(3);
        var sampler = new PointSampler(shape, layerCount: 2, pointCount: 3, layerWise: true, regularize: true, seed: 11);
        var draws = new List<SampledPoint> { sampler.Current };
        for (int i = 0; i < 4; i++) draws.Add(sampler.Advance());

        // The same stream drawn by hand: per batch, one point per layer (layer-wise), then the pair.
        var random = new Random(11);
        foreach (var draw in draws)
        {
            for (int layer = 0; layer < 2; layer++)
                Assert.Equal(shape.Coefficients(shape.Sample(random)), draw.Coefficients[layer]);
            int j = random.Next(3), m = random.Next(2);
            if (m >= j) m++;
            Assert.Equal((j, m), draw.Pair);
        }
        Assert.NotEqual(draws[0].Coefficients[0], draws[1].Coefficients[0]);
    }

    [Fact]
    public void NoPairWithoutRegularizationOrWithOnePoint()
    {
        Assert.Null(new PointSampler(LineSubspace.Instance, 1, 2, false, regularize: false, seed: 1).Current.Pair);
        Assert.Null(new PointSampler(SinglePoint.Instance, 1, 1, false, regularize: true, seed: 1).Current.Pair);
    }

    [Fact]
    public void MixesTheCurrentPointUnlessTheStepThatDrewItDid()
    {
        using var network = NetworkFactory.Create(new NetworkSpec { InputSize = 3, HiddenSizes = new[] { 2 }, ClassCount = 2, PointCount = 2 });
        var sampler = new PointSampler(LineSubspace.Instance, network.SubspaceLayers.Count, 2, false, regularize: true, seed: 3);
        var first = sampler.Current;
        sampler.MixCurrent(network);
        Assert.Equal(first.Coefficients[0], network.SubspaceParameters.First().Coefficients);

        // After Advance the optimizer step mixes the next point; the sampler does not mix it again.
        var next = sampler.Advance();
        sampler.MixCurrent(network);
        Assert.Equal(first.Coefficients[0], network.SubspaceParameters.First().Coefficients);

        // Once the mix is cleared (between epochs), the next batch mixes its point itself.
        sampler.ClearMixing(network);
        Assert.Null(network.SubspaceParameters.First().Coefficients);
        sampler.MixCurrent(network);
        Assert.Equal(next.Coefficients[0], network.SubspaceParameters.First().Coefficients);
        sampler.ClearMixing(network);
    }
}
