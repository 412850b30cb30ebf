using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// The gradient reaching weight point i of a subspace layer is c_i times the gradient an ordinary layer with
/// the mixed weight receives (the chain rule through w = sum_i c_i w_i). The reference is computed without
/// the library: the mixed weight is built by hand as a leaf tensor and fed to torch's functional linear.
/// </summary>
public class SubspaceLinearGradientTests
{
    private static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    /// <summary>Mixed weight sum_i c_i p[i], computed independently of the library (double accumulation).</summary>
    private static Tensor MixByHand(Tensor points, double[] c)
    {
        var shape = points.shape[1..];
        var p = Values(points);
        long size = p.Length / c.Length;
        var mixed = new float[size];
        for (long j = 0; j < size; j++)
        {
            double sum = 0;
            for (int i = 0; i < c.Length; i++) sum += c[i] * p[i * size + j];
            mixed[j] = (float)sum;
        }
        return tensor(mixed, shape);
    }

    /// <summary>Runs the library's mixing, forward, backward and gradient gathering for one batch.</summary>
    private static Tensor LibraryForwardBackward(SubspaceLinear layer, double[] c, Tensor x, Func<Tensor, Tensor> loss)
    {
        ((ISubspaceLayer)layer).Mix(c);
        var y = layer.forward(x);
        loss(y).backward();
        foreach (var p in layer.Parameters) Assert.True(p.GatherGradient(), "the mixed weight received no gradient");
        return y;
    }

    public static TheoryData<double[]> CoefficientSets => new()
    {
        new[] { 1.0 },
        new[] { 0.3, 0.7 },
        new[] { 0.2, 0.5, 0.3 },
        new[] { 0.1, 0.2, 0.3, 0.25, 0.15 },
        new[] { 0.0, 1.0, 0.0 },
    };

    [Theory]
    [MemberData(nameof(CoefficientSets))]
    public void Weight_and_bias_points_get_c_i_times_the_mixed_layer_gradient(double[] c)
    {
        using var scope = NewDisposeScope();
        int k = c.Length;
        using var generator = new Generator(1234, CPU);
        using var layer = new SubspaceLinear(inFeatures: 6, outFeatures: 4, pointCount: k, generator);
        using (no_grad()) layer.Bias.Points.copy_(randn(new long[] { k, 4 }, generator: generator)); // biases start at zero: make the points distinct
        var x = randn(new long[] { 5, 6 }, generator: generator);
        var target = randn(new long[] { 5, 4 }, generator: generator);
        Func<Tensor, Tensor> loss = y => (y - target).square().sum(); // the weights enter through the output, not only linearly

        var y = LibraryForwardBackward(layer, c, x, loss);

        var w = MixByHand(layer.Weight.Points, c).requires_grad_(true);
        var b = MixByHand(layer.Bias.Points, c).requires_grad_(true);
        var yRef = nn.functional.linear(x, w, b);
        loss(yRef).backward();

        TestData.AssertClose(Values(yRef), Values(y), 1e-5, "forward output against linear() with the mixed weight");
        var gradW = Values(w.grad!);
        var gradB = Values(b.grad!);
        Assert.Contains(gradW, g => Math.Abs(g) > 1e-3); // a vanishing reference gradient would make the check vacuous
        var pointGradW = layer.Weight.Points.grad!;
        var pointGradB = layer.Bias.Points.grad!;
        Assert.Equal(new long[] { k, 4, 6 }, pointGradW.shape);
        Assert.Equal(new long[] { k, 4 }, pointGradB.shape);
        for (int i = 0; i < k; i++)
        {
            TestData.AssertClose(gradW.Select(g => (float)(c[i] * g)).ToArray(), Values(pointGradW[i]), 1e-4, $"weight point {i} gradient");
            TestData.AssertClose(gradB.Select(g => (float)(c[i] * g)).ToArray(), Values(pointGradB[i]), 1e-4, $"bias point {i} gradient");
        }
    }

    [Fact]
    public void Loss_equal_to_the_sum_of_outputs_gives_c_i_times_the_input_column_sums()
    {
        // d(sum of y)/dW[o, j] = sum over rows of x[r, j] for every output o, and d/db = number of rows.
        using var scope = NewDisposeScope();
        var c = new[] { 0.25, 0.75 };
        using var layer = new SubspaceLinear(3, 2, 2, new Generator(8, CPU));
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        LibraryForwardBackward(layer, c, x, y => y.sum());
        var expectedRow = new[] { 1f + 4, 2f + 5, 3f + 6 };
        for (int i = 0; i < 2; i++)
        {
            TestData.AssertClose(expectedRow.Concat(expectedRow).Select(v => (float)(c[i] * v)).ToArray(), Values(layer.Weight.Points.grad![i]), 1e-5, $"weight point {i}");
            TestData.AssertClose(new[] { (float)(2 * c[i]), (float)(2 * c[i]) }, Values(layer.Bias.Points.grad![i]), 1e-6, $"bias point {i}");
        }
    }

    [Fact]
    public void A_second_batch_replaces_the_first_batchs_gradient()
    {
        // The training loop does not zero gradients between batches: gathering must overwrite, not accumulate.
        using var scope = NewDisposeScope();
        using var layer = new SubspaceLinear(3, 2, 2, new Generator(9, CPU));
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        LibraryForwardBackward(layer, new[] { 0.9, 0.1 }, x, y => y.sum() * 100);
        LibraryForwardBackward(layer, new[] { 0.25, 0.75 }, x, y => y.sum());
        TestData.AssertClose(new[] { 0.5f, 0.5f }, Values(layer.Bias.Points.grad![0]), 1e-6, "bias point 0 after two batches");
        TestData.AssertClose(new[] { 1.5f, 1.5f }, Values(layer.Bias.Points.grad![1]), 1e-6, "bias point 1 after two batches");
    }

    [Fact]
    public void Subspace_mlp_line_at_0_3_gives_each_point_its_share_of_every_layer_gradient()
    {
        using var scope = NewDisposeScope();
        const double a = 0.3;
        var c = new[] { 1 - a, a };
        var spec = new NetworkSpec { InputSize = 6, HiddenSizes = new[] { 5, 4 }, ClassCount = 3, PointCount = 2 };
        using var generator = new Generator(99, CPU);
        using var mlp = new SubspaceMlp(spec, generator);
        using (no_grad())
            foreach (var l in mlp.Layers) l.Bias.Points.copy_(randn(l.Bias.Points.shape, generator: generator).mul_(0.1));
        var x = randn(new long[] { 8, 6 }, generator: generator);
        var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2, 1, 0 });

        mlp.Mix(c);
        var logits = mlp.forward(x);
        nn.functional.cross_entropy(logits, labels).backward();
        mlp.GatherGradients();

        // The same network written out by hand with ordinary leaf tensors as the mixed weights.
        var weights = mlp.Layers.Select(l => MixByHand(l.Weight.Points, c).requires_grad_(true)).ToArray();
        var biases = mlp.Layers.Select(l => MixByHand(l.Bias.Points, c).requires_grad_(true)).ToArray();
        var h = x;
        for (int i = 0; i < weights.Length; i++)
        {
            h = nn.functional.linear(h, weights[i], biases[i]);
            if (i + 1 < weights.Length) h = nn.functional.relu(h);
        }
        TestData.AssertClose(Values(h), Values(logits), 1e-5, "logits against the hand-written network");
        nn.functional.cross_entropy(h, labels).backward();

        for (int l = 0; l < weights.Length; l++)
        {
            var gW = Values(weights[l].grad!);
            var gB = Values(biases[l].grad!);
            Assert.Contains(gW, g => Math.Abs(g) > 1e-4);
            for (int i = 0; i < 2; i++)
            {
                TestData.AssertClose(gW.Select(g => (float)(c[i] * g)).ToArray(), Values(mlp.Layers[l].Weight.Points.grad![i]), 1e-5, $"layer {l} weight point {i}");
                TestData.AssertClose(gB.Select(g => (float)(c[i] * g)).ToArray(), Values(mlp.Layers[l].Bias.Points.grad![i]), 1e-5, $"layer {l} bias point {i}");
            }
        }
    }

    [Fact]
    public void The_training_optimizers_step_moves_each_point_by_c_i_times_the_mixed_gradient()
    {
        // The training loop does not gather per-point gradients: its optimizer forms c_i * dL/dW inside the
        // update. With momentum and weight decay off, one step must move point i by -lr * c_i * dL/dW exactly.
        using var scope = NewDisposeScope();
        var c = new[] { 0.2, 0.5, 0.3 };
        var spec = new NetworkSpec { InputSize = 6, HiddenSizes = new[] { 5 }, ClassCount = 3, PointCount = 3 };
        using var generator = new Generator(17, CPU);
        using var mlp = new SubspaceMlp(spec, generator);
        var x = randn(new long[] { 8, 6 }, generator: generator);
        var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2, 1, 0 });
        var before = mlp.Layers.Select(l => (W: Values(l.Weight.Points), B: Values(l.Bias.Points))).ToArray();

        // Reference gradient from hand-mixed leaves, before the step changes anything.
        var weights = mlp.Layers.Select(l => MixByHand(l.Weight.Points, c).requires_grad_(true)).ToArray();
        var biases = mlp.Layers.Select(l => MixByHand(l.Bias.Points, c).requires_grad_(true)).ToArray();
        var h = nn.functional.relu(nn.functional.linear(x, weights[0], biases[0]));
        nn.functional.cross_entropy(nn.functional.linear(h, weights[1], biases[1]), labels).backward();

        const double lr = 0.5;
        using var sgd = new SubspaceSgd(mlp, momentum: 0, weightDecay: 0) { LearningRate = lr };
        mlp.Mix(c);
        nn.functional.cross_entropy(mlp.forward(x), labels).backward();
        sgd.Step();

        for (int l = 0; l < 2; l++)
        {
            var gW = Values(weights[l].grad!);
            var gB = Values(biases[l].grad!);
            var afterW = Values(mlp.Layers[l].Weight.Points);
            var afterB = Values(mlp.Layers[l].Bias.Points);
            for (int i = 0; i < 3; i++)
            {
                var expectedW = gW.Select((g, j) => (float)(before[l].W[i * gW.Length + j] - lr * c[i] * g)).ToArray();
                var expectedB = gB.Select((g, j) => (float)(before[l].B[i * gB.Length + j] - lr * c[i] * g)).ToArray();
                TestData.AssertClose(expectedW, afterW.AsSpan(i * gW.Length, gW.Length).ToArray(), 1e-5, $"layer {l} weight point {i} after one step");
                TestData.AssertClose(expectedB, afterB.AsSpan(i * gB.Length, gB.Length).ToArray(), 1e-5, $"layer {l} bias point {i} after one step");
            }
        }
    }

    [Fact]
    public void Materialize_copies_the_mixed_weights_and_predicts_like_the_mixed_network()
    {
        using var scope = NewDisposeScope();
        var spec = new NetworkSpec { InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2, PointCount = 3 };
        using var generator = new Generator(5, CPU);
        using var mlp = new SubspaceMlp(spec, generator);
        var c = new[] { 0.2, 0.5, 0.3 };
        using var point = (SubspaceMlp)mlp.Materialize(c);
        Assert.Equal(1, point.PointCount);
        for (int l = 0; l < mlp.Layers.Count; l++)
            TestData.AssertClose(Values(MixByHand(mlp.Layers[l].Weight.Points, c)), Values(point.Layers[l].Weight.Points[0]), 1e-6, $"layer {l} materialized weight");
        var x = randn(new long[] { 3, 4 }, generator: generator);
        mlp.Mix(c);
        using (no_grad())
            TestData.AssertClose(Values(mlp.forward(x)), Values(point.forward(x)), 1e-5, "materialized forward");
    }
}
