using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// The training loop's fused optimizer step (point gradients c_i * dL/dW and the cos^2 terms formed inside the
/// momentum update) must move every point exactly as the explicit path does: gather per-point gradients, add the
/// regularizer's gradient, then plain SGD with momentum and weight decay.
/// </summary>
public class SubspaceSgdTests
{
    private static SubspaceMlp Network(int points)
    {
        using var generator = new Generator(7, CPU);
        return new SubspaceMlp(new NetworkSpec { InputSize = 6, HiddenSizes = new[] { 5 }, ClassCount = 3, PointCount = points }, generator);
    }

    private static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void FusedStepEqualsExplicitGradientsThenSgd(int points, bool regularize)
    {
        using var fused = Network(points);
        using var explicitNet = Network(points);
        using var fusedSgd = new SubspaceSgd(fused, momentum: 0.9, weightDecay: 0.01) { LearningRate = 0.1 };
        using var explicitSgd = new SubspaceSgd(explicitNet, momentum: 0.9, weightDecay: 0.01) { LearningRate = 0.1 };
        using var generator = new Generator(3, CPU);
        var coefficients = new[] { new[] { 1.0 }, new[] { 0.3, 0.7 }, new[] { 0.2, 0.5, 0.3 } }[points - 1];
        for (int step = 0; step < 3; step++) // several steps so that the momentum buffers matter
        {
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 4, 6 }, generator: generator);
            var y = tensor(new long[] { 0, 1, 2, 1 });

            fused.Mix(coefficients);
            nn.functional.cross_entropy(fused.forward(x), y).backward();
            fusedSgd.Step(regularize ? fused.CosineRegularizer(0, points - 1, beta: 1.0) : null);

            explicitNet.Mix(coefficients);
            nn.functional.cross_entropy(explicitNet.forward(x), y).backward();
            explicitNet.GatherGradients();
            if (regularize) explicitNet.AddCosineRegularizer(0, points - 1, beta: 1.0);
            explicitSgd.StepFromPointGradients();
        }
        var a = fused.SubspaceParameters.ToArray();
        var b = explicitNet.SubspaceParameters.ToArray();
        for (int p = 0; p < a.Length; p++)
        {
            var va = Values(a[p].Points);
            var vb = Values(b[p].Points);
            for (int i = 0; i < va.Length; i++) Assert.Equal(vb[i], va[i], 5);
        }
        // The update did move the weights (the comparison above is not between two untouched networks).
        using var initial = Network(points);
        Assert.NotEqual(Values(initial.SubspaceParameters.First().Points), Values(a[0].Points));
    }

    [Fact]
    public void FrozenPointsDoNotMove()
    {
        using var network = Network(3);
        using var sgd = new SubspaceSgd(network, momentum: 0.9, weightDecay: 1e-3) { LearningRate = 0.5 };
        sgd.FrozenPoints.Add(0);
        sgd.FrozenPoints.Add(2);
        var before = network.SubspaceParameters.Select(p => Values(p.Points)).ToArray();
        using (NewDisposeScope())
        {
            network.Mix(new[] { 0.25, 0.5, 0.25 });
            network.forward(ones(2, 6)).sum().backward();
            sgd.Step(network.CosineRegularizer(0, 1, 1.0));
        }
        var parameters = network.SubspaceParameters.ToArray();
        for (int p = 0; p < parameters.Length; p++)
        {
            var after = Values(parameters[p].Points);
            int size = after.Length / 3;
            Assert.Equal(before[p].AsSpan(0, size).ToArray(), after.AsSpan(0, size).ToArray());
            Assert.Equal(before[p].AsSpan(2 * size, size).ToArray(), after.AsSpan(2 * size, size).ToArray());
            if (p == 0) Assert.NotEqual(before[p].AsSpan(size, size).ToArray(), after.AsSpan(size, size).ToArray());
        }
    }
}
