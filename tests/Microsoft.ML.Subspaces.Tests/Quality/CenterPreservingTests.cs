using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Quality;

/// <summary>
/// With <see cref="SubspaceSgd.GradientScale"/> = k the mean of a shape's points takes exactly the step a standard network
/// takes from the same gradient (plain SGD, no decay): <c>mean' = mean - lr * dL/dW(a)</c>, whatever point a was sampled.
/// Without it, the mean moves by <c>lr / k</c> times the gradient.
/// </summary>
public class CenterPreservingTests
{
    private static SubspaceMlp Network(int points)
    {
        using var generator = new Generator(5, CPU);
        return new SubspaceMlp(new NetworkSpec { InputSize = 6, HiddenSizes = new[] { 5 }, ClassCount = 3, PointCount = points }, generator);
    }

    [Theory]
    [InlineData(2, true, true)]
    [InlineData(3, true, true)]
    [InlineData(2, false, true)]
    [InlineData(3, false, true)]
    [InlineData(2, true, false)]
    [InlineData(3, true, false)]
    public void Mean_of_points_moves_by_the_full_gradient_only_when_scaled(int points, bool kernel, bool scaled)
    {
        using var network = Network(points);
        const double lr = 0.1;
        using var sgd = new SubspaceSgd(network, momentum: 0, weightDecay: 0) { LearningRate = lr, UseKernel = kernel, GradientScale = scaled ? points : 1 };
        var coefficients = points == 2 ? new[] { 0.8, 0.2 } : new[] { 0.6, 0.3, 0.1 };
        using var generator = new Generator(3, CPU);
        using var x = randn(new long[] { 8, 6 }, generator: generator);
        using var y = tensor(new long[] { 0, 1, 2, 1, 0, 2, 2, 1 });
        var parameters = network.SubspaceParameters.ToArray();
        var before = parameters.Select(p => p.Points.detach().mean(new long[] { 0 }).clone()).ToArray();

        network.Mix(coefficients);
        nn.functional.cross_entropy(network.forward(x), y).backward();
        var gradients = parameters.Select(p => p.Mixed!.grad!.clone()).ToArray();
        sgd.Step();

        double expectedFactor = scaled ? 1 : 1.0 / points;
        for (int p = 0; p < parameters.Length; p++)
        {
            using var after = parameters[p].Points.detach().mean(new long[] { 0 });
            using var step = after - before[p];
            using var expected = gradients[p] * (-lr * expectedFactor);
            Assert.True(gradients[p].abs().max().item<float>() > 1e-4, "the gradient is not zero (the test would compare nothing)");
            Assert.True(step.allclose(expected, rtol: 1e-4, atol: 1e-6),
                $"parameter {p}: the mean moved by {step.abs().max().item<float>():G4} at most, expected {expected.abs().max().item<float>():G4}");
        }
        network.ClearMixing();
    }
}
