using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// The regularizer cos^2(w_j, w_k) = (w_j . w_k)^2 / (|w_j|^2 |w_k|^2) over all linear weights of the
/// network concatenated (biases excluded), checked against plain C# doubles: value and gradient.
/// </summary>
public class CosineRegularizerTests
{
    private static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    /// <summary>Point p's weights of every layer, concatenated in layer order, as doubles.</summary>
    private static double[] Concatenated(SubspaceMlp mlp, int p) =>
        mlp.Layers.SelectMany(l => Values(l.Weight.Points[p])).Select(v => (double)v).ToArray();

    private static double Dot(double[] u, double[] v)
    {
        double s = 0;
        for (int i = 0; i < u.Length; i++) s += u[i] * v[i];
        return s;
    }

    private static SubspaceMlp Network(int points, ulong seed)
    {
        var spec = new NetworkSpec { InputSize = 7, HiddenSizes = new[] { 5, 4 }, ClassCount = 3, PointCount = points };
        using var generator = new Generator(seed, CPU);
        var mlp = new SubspaceMlp(spec, generator);
        // Large, point-specific biases: if they entered the regularizer the value would change visibly.
        using (no_grad())
            foreach (var l in mlp.Layers) l.Bias.Points.copy_(randn(l.Bias.Points.shape, generator: generator).mul_(10));
        return mlp;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 2)]
    [InlineData(2, 1)]
    public void Value_matches_a_hand_computation_on_concatenated_weights(int j, int k)
    {
        using var scope = NewDisposeScope();
        using var mlp = Network(points: 3, seed: 11);
        var wj = Concatenated(mlp, j);
        var wk = Concatenated(mlp, k);
        Assert.Equal(7 * 5 + 5 * 4 + 4 * 3, wj.Length);
        double d = Dot(wj, wk);
        double expected = d * d / (Dot(wj, wj) * Dot(wk, wk));

        double actual = mlp.CosineSquared(j, k);

        TestData.AssertRelative(expected, actual, 1e-6, $"cos^2(w_{j}, w_{k})");
        Assert.InRange(actual, 0, 1);
        TestData.AssertRelative(actual, mlp.CosineSquared(k, j), 1e-6, "cos^2 symmetric in j and k");
    }

    [Fact]
    public void Value_is_one_for_parallel_points_and_zero_for_orthogonal_points()
    {
        using var scope = NewDisposeScope();
        using var mlp = Network(points: 2, seed: 3);
        using (no_grad())
            foreach (var l in mlp.Layers) l.Weight.Points[1].copy_(l.Weight.Points[0] * -2.5f); // anti-parallel: cos = -1, cos^2 = 1
        Assert.Equal(1.0, mlp.CosineSquared(0, 1), 5);

        using (no_grad())
        {
            // Orthogonal on the concatenation only: point 1 equals point 0 in the first layer and is minus
            // point 0 (scaled) in the second, so that the two contributions to the dot product cancel.
            var l0 = mlp.Layers[0].Weight.Points;
            var l1 = mlp.Layers[1].Weight.Points;
            double n0 = l0[0].square().sum().item<float>();
            double n1 = l1[0].square().sum().item<float>();
            l0[1].copy_(l0[0]);
            l1[1].copy_(l1[0] * (float)(-n0 / n1));
            mlp.Layers[2].Weight.Points[1].zero_();
        }
        Assert.Equal(0.0, mlp.CosineSquared(0, 1), 5);
    }

    [Theory]
    [InlineData(0, 2, 1.0)]
    [InlineData(1, 0, 1.0)]
    [InlineData(2, 1, 0.5)]
    public void Gradient_matches_the_closed_form(int j, int k, double beta)
    {
        using var scope = NewDisposeScope();
        using var mlp = Network(points: 3, seed: 21);
        var wj = Concatenated(mlp, j);
        var wk = Concatenated(mlp, k);
        double d = Dot(wj, wk), nj = Dot(wj, wj), nk = Dot(wk, wk);
        // d/dw_j [(w_j.w_k)^2 / (|w_j|^2 |w_k|^2)] = 2 d / (nj nk) w_k - 2 d^2 / (nj^2 nk) w_j, and symmetrically for w_k.
        var expectedJ = wj.Select((_, i) => beta * (2 * d / (nj * nk) * wk[i] - 2 * d * d / (nj * nj * nk) * wj[i])).ToArray();
        var expectedK = wk.Select((_, i) => beta * (2 * d / (nj * nk) * wj[i] - 2 * d * d / (nk * nk * nj) * wk[i])).ToArray();

        // The regularizer's gradient is added to the gradients the points already have (zero here).
        foreach (var p in mlp.SubspaceParameters) p.Points.grad = zeros_like(p.Points);
        double value = mlp.AddCosineRegularizer(j, k, beta);

        TestData.AssertRelative(beta * d * d / (nj * nk), value, 1e-6, "returned regularizer value");
        int other = 3 - j - k;
        var gradJ = mlp.Layers.SelectMany(l => Values(l.Weight.Points.grad![j])).ToArray();
        var gradK = mlp.Layers.SelectMany(l => Values(l.Weight.Points.grad![k])).ToArray();
        var gradOther = mlp.Layers.SelectMany(l => Values(l.Weight.Points.grad![other])).ToArray();
        double scale = expectedJ.Max(Math.Abs);
        Assert.True(scale > 1e-6, "the closed-form gradient is too small for a meaningful comparison");
        for (int i = 0; i < wj.Length; i++)
        {
            Assert.True(Math.Abs(expectedJ[i] - gradJ[i]) <= 1e-4 * scale, $"d/dw_{j}[{i}] = {gradJ[i]:R}, expected {expectedJ[i]:R}");
            Assert.True(Math.Abs(expectedK[i] - gradK[i]) <= 1e-4 * scale, $"d/dw_{k}[{i}] = {gradK[i]:R}, expected {expectedK[i]:R}");
        }
        Assert.All(gradOther, g => Assert.Equal(0f, g)); // the third point is not in the pair
        foreach (var l in mlp.Layers) // biases are not regularized
            Assert.All(Values(l.Bias.Points.grad!), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void The_training_optimizers_step_applies_the_closed_form_gradient()
    {
        // The training loop folds the regularizer into the optimizer step. With a loss that gives the mixed
        // weights zero gradient, no momentum and no weight decay, one step of learning rate lr must move
        // w_j by -lr * beta * (closed form) and leave the third point alone.
        using var scope = NewDisposeScope();
        using var mlp = Network(points: 3, seed: 31);
        const int j = 2, k = 0;
        const double beta = 0.7, lr = 0.25;
        var wj = Concatenated(mlp, j);
        var wk = Concatenated(mlp, k);
        var w1 = Concatenated(mlp, 1);
        double d = Dot(wj, wk), nj = Dot(wj, wj), nk = Dot(wk, wk);

        using var sgd = new SubspaceSgd(mlp, momentum: 0, weightDecay: 0) { LearningRate = lr };
        mlp.Mix(new[] { 0.2, 0.3, 0.5 });
        var x = ones(2, 7);
        (mlp.forward(x).sum() * 0).backward();
        var terms = mlp.CosineRegularizer(j, k, beta);
        TestData.AssertRelative(beta * d * d / (nj * nk), terms.Value, 1e-6, "regularizer value");
        sgd.Step(terms);

        var afterJ = Concatenated(mlp, j);
        var afterK = Concatenated(mlp, k);
        var after1 = Concatenated(mlp, 1);
        double scale = 0;
        for (int i = 0; i < wj.Length; i++) scale = Math.Max(scale, Math.Abs(lr * beta * (2 * d / (nj * nk) * wk[i])));
        for (int i = 0; i < wj.Length; i++)
        {
            double gj = beta * (2 * d / (nj * nk) * wk[i] - 2 * d * d / (nj * nj * nk) * wj[i]);
            double gk = beta * (2 * d / (nj * nk) * wj[i] - 2 * d * d / (nk * nk * nj) * wk[i]);
            Assert.True(Math.Abs(wj[i] - lr * gj - afterJ[i]) <= 1e-5 * Math.Max(1, Math.Abs(wj[i])), $"w_{j}[{i}] = {afterJ[i]:R}, expected {wj[i] - lr * gj:R}");
            Assert.True(Math.Abs(wk[i] - lr * gk - afterK[i]) <= 1e-5 * Math.Max(1, Math.Abs(wk[i])), $"w_{k}[{i}] = {afterK[i]:R}, expected {wk[i] - lr * gk:R}");
        }
        Assert.True(scale > 1e-4, "the step is too small for the check to mean anything");
        Assert.Equal(w1, after1);
    }

    [Fact]
    public void Gradient_agrees_with_autograd_through_the_formula()
    {
        // An independent check of the closed form: torch autograd on (w_j.w_k)^2 / (|w_j|^2 |w_k|^2) of the
        // concatenated weights, built from copies of the points.
        using var scope = NewDisposeScope();
        using var mlp = Network(points: 2, seed: 5);
        var wj = cat(mlp.Layers.Select(l => l.Weight.Points[0].flatten()).ToArray()).to_type(ScalarType.Float64).detach().requires_grad_(true);
        var wk = cat(mlp.Layers.Select(l => l.Weight.Points[1].flatten()).ToArray()).to_type(ScalarType.Float64).detach().requires_grad_(true);
        var cos2 = wj.dot(wk).square() / (wj.dot(wj) * wk.dot(wk));
        cos2.backward();
        var autogradJ = wj.grad!.data<double>().ToArray();

        foreach (var p in mlp.SubspaceParameters) p.Points.grad = zeros_like(p.Points);
        mlp.AddCosineRegularizer(0, 1, 1.0);
        var gradJ = mlp.Layers.SelectMany(l => Values(l.Weight.Points.grad![0])).ToArray();
        double scale = autogradJ.Max(Math.Abs);
        for (int i = 0; i < gradJ.Length; i++)
            Assert.True(Math.Abs(autogradJ[i] - gradJ[i]) <= 1e-4 * scale, $"d/dw_0[{i}] = {gradJ[i]:R}, autograd {autogradJ[i]:R}");
    }

    [Fact]
    public void The_same_point_twice_is_rejected()
    {
        using var mlp = Network(points: 2, seed: 1);
        foreach (var p in mlp.SubspaceParameters) p.Points.grad = zeros_like(p.Points);
        Assert.Throws<ArgumentException>(() => mlp.AddCosineRegularizer(1, 1, 1.0));
    }
}
