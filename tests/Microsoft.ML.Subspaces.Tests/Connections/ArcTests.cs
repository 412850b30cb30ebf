using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class ArcTests
{
    private const int Hidden = 20_000;
    // A neuron of a 2-Hidden-2 MLP: [2 incoming weights, bias, 2 outgoing weights].
    private static readonly double[] Mean = { 0.5, -1.0, 0.3, 2.0, -0.4 };
    private static readonly double[,] Factor =
    {
        { 1.0, 0, 0, 0, 0 },
        { 0.6, 0.8, 0, 0, 0 },
        { -0.3, 0.2, 0.7, 0, 0 },
        { 0.1, -0.5, 0.4, 0.9, 0 },
        { 0.2, 0.3, -0.6, 0.1, 0.5 },
    };

    [Fact]
    public void ArcKeepsThePooledMeanAndCovarianceOfNeuronsAtEveryPoint()
    {
        var ml = new MLContext(seed: 1);
        using var a = NetworkWithNeurons(Sample(seed: 1));
        using var b = NetworkWithNeurons(Sample(seed: 2));
        using var pooled = cat(new[] { Neurons(a), Neurons(b) }, 0);
        var (mean, covariance) = Moments(pooled);
        double scale = covariance.abs().max().item<double>();

        using var arc = ml.Subspaces().Connections.Arc(a, b);
        foreach (var t in new[] { 0.0, 0.1, 0.25, 1.0 / 3, 0.5, 0.6, 0.8, 0.95, 1.0 })
        {
            using var point = arc.AtPoint(t);
            using var neurons = Neurons(point);
            var (m, c) = Moments(neurons);
            Assert.True(m.sub(mean).abs().max().item<double>() < 0.03 * scale, $"mean moved at t = {t}");
            Assert.True(c.sub(covariance).abs().max().item<double>() < 0.05 * scale, $"covariance moved at t = {t}");
        }

        // The straight segment shrinks the covariance (by half at the midpoint): the check above tells them apart.
        using var linear = ml.Subspaces().Connections.Linear(a, b);
        using var middle = linear.AtPoint(0.5);
        using var linearNeurons = Neurons(middle);
        var (_, linearCovariance) = Moments(linearNeurons);
        Assert.True(linearCovariance.sub(covariance).abs().max().item<double>() > 0.3 * scale);
    }

    private static Tensor Sample(int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed, CPU);
        using var z = randn(new long[] { Hidden, 5 }, dtype: ScalarType.Float64, generator: generator);
        using var factor = tensor(Factor, dtype: ScalarType.Float64);
        using var mean = tensor(Mean, dtype: ScalarType.Float64);
        return z.matmul(factor.T).add_(mean);
    }

    private static SubspaceTransformer NetworkWithNeurons(Tensor neurons)
    {
        var network = new SubspaceMlp(new NetworkSpec { InputSize = 2, HiddenSizes = new[] { Hidden }, ClassCount = 2 });
        using (no_grad())
        using (neurons)
        {
            var f = neurons.to_type(ScalarType.Float32);
            network.Layers[0].Weight.Points[0].copy_(f.narrow(1, 0, 2));
            network.Layers[0].Bias.Points[0].copy_(f.select(1, 2));
            network.Layers[1].Weight.Points[0].copy_(f.narrow(1, 3, 2).T);
        }
        return ConnectionTestModels.Wrap(network, 2);
    }

    private static Tensor Neurons(SubspaceTransformer model)
    {
        var layers = ((SubspaceMlp)model.Weights.Network).Layers;
        return cat(new[] { layers[0].Weight.Points[0], layers[0].Bias.Points[0].unsqueeze(1), layers[1].Weight.Points[0].T }, 1).to_type(ScalarType.Float64);
    }

    private static (Tensor Mean, Tensor Covariance) Moments(Tensor neurons)
    {
        var mean = neurons.mean(new long[] { 0 });
        var centered = neurons.sub(mean);
        return (mean, centered.T.matmul(centered).div_(neurons.shape[0]));
    }
}
