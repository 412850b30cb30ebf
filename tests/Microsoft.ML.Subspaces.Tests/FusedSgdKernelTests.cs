using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// The CPU kernel that fuses the optimizer step, the next batch's mix and the next cos^2 sums must do exactly what
/// the tensor-operation path (the one CUDA runs) does: same weights, same momentum, a mix equal to
/// <c>sum_p n_p w_p</c> of the new weights, sums equal to dot products of the new weights.
/// </summary>
public class FusedSgdKernelTests
{
    private static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    /// <summary>Layers wide enough that the weights span several kernel blocks and end in a vector tail.</summary>
    private static SubspaceMlp Network(int points) =>
        new(new NetworkSpec { InputSize = 301, HiddenSizes = new[] { 67 }, ClassCount = 3, PointCount = points }, new Generator(11, CPU));

    private static double[][] Coefficients(int points, int layers, double shift) =>
        Enumerable.Range(0, layers).Select(l =>
        {
            var c = Enumerable.Range(0, points).Select(p => 1.0 + p + shift * (l + 1)).ToArray();
            double sum = c.Sum();
            return c.Select(v => v / sum).ToArray();
        }).ToArray();

    /// <summary>Runs <paramref name="steps"/> training steps, with the kernel or with tensor operations, mixing ahead as the training loop does.</summary>
    private static SubspaceMlp Train(int points, bool kernel, int steps, int[]? frozen = null, bool parallel = true)
    {
        var network = Network(points);
        using var sgd = new SubspaceSgd(network, momentum: 0.9, weightDecay: 0.01) { LearningRate = 0.2, UseKernel = kernel, ParallelKernel = parallel };
        foreach (int f in frozen ?? Array.Empty<int>()) sgd.FrozenPoints.Add(f);
        using var generator = new Generator(5, CPU);
        int layers = network.SubspaceLayers.Count;
        network.Mix(Coefficients(points, layers, 0));
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 16, 301 }, generator: generator);
            var y = randint(3, new long[] { 16 }, generator: generator);
            nn.functional.cross_entropy(network.forward(x), y).backward();
            var terms = points > 1 ? network.CosineRegularizer(0, points - 1, beta: 5.0) : null;
            sgd.Step(terms, Coefficients(points, layers, step + 1), points > 1 ? (points - 1, 0) : null);
        }
        return network;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void KernelStepEqualsTensorOperations(int points)
    {
        using var fused = Train(points, kernel: true, steps: 4);
        using var reference = Train(points, kernel: false, steps: 4);
        var a = fused.SubspaceParameters.ToArray();
        var b = reference.SubspaceParameters.ToArray();
        for (int p = 0; p < a.Length; p++)
        {
            AssertClose(Values(b[p].Points), Values(a[p].Points), 1e-5);
            AssertClose(Values(b[p].Mixed!), Values(a[p].Mixed!), 1e-5);
        }
        using var untouched = Network(points);
        Assert.NotEqual(Values(untouched.SubspaceParameters.First().Points), Values(a[0].Points));
    }

    [Fact]
    public void MixWrittenByTheStepIsTheNewWeightsMixed()
    {
        using var network = Train(3, kernel: true, steps: 2);
        var next = Coefficients(3, network.SubspaceLayers.Count, 2);
        int layer = 0;
        foreach (var l in network.SubspaceLayers)
        {
            foreach (var p in l.Parameters)
            {
                using var expected = SubspaceParameter.MixPoints(p.Points.detach(), next[layer]);
                AssertClose(Values(expected), Values(p.Mixed!), 1e-6);
                Assert.Equal(next[layer], p.Coefficients);
                Assert.Null(p.Mixed!.grad); // the last batch's gradient is gone: the next backward starts clean
            }
            layer++;
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SumsOfTheStepGiveTheCosineTermOfTheNewWeights(int points)
    {
        var network = Network(points);
        using var sgd = new SubspaceSgd(network, momentum: 0.9, weightDecay: 1e-3) { LearningRate = 0.1 };
        using (NewDisposeScope())
        {
            network.Mix(Coefficients(points, network.SubspaceLayers.Count, 0));
            network.forward(ones(4, 301)).sum().backward();
            sgd.Step(network.CosineRegularizer(0, 1, 1.0), null, (points - 1, 0));
        }
        var fromStep = sgd.CosineRegularizer(0, points - 1, beta: 2.0)!;
        var direct = network.CosineRegularizer(0, points - 1, beta: 2.0);
        Assert.Equal(direct.Value, fromStep.Value, 1e-6);
        Assert.Equal(direct.Cross, fromStep.Cross, 1e-6);
        Assert.Equal(direct.SelfJ, fromStep.SelfJ, 1e-6);
        Assert.Equal(direct.SelfK, fromStep.SelfK, 1e-6);
        Assert.True(direct.Value > 1e-6, $"cos^2 = {direct.Value}: the comparison needs points that are not orthogonal.");
        if (points > 2) Assert.Null(sgd.CosineRegularizer(0, 1, 2.0)); // a pair the step did not sum
        network.Dispose();
    }

    [Fact]
    public void FrozenPointsStayBitForBitAndTheOthersMatchTensorOperations()
    {
        using var fused = Train(3, kernel: true, steps: 3, frozen: new[] { 0, 2 });
        using var reference = Train(3, kernel: false, steps: 3, frozen: new[] { 0, 2 });
        using var initial = Network(3);
        var a = fused.SubspaceParameters.ToArray();
        var b = reference.SubspaceParameters.ToArray();
        var start = initial.SubspaceParameters.ToArray();
        for (int p = 0; p < a.Length; p++)
        {
            var va = Values(a[p].Points);
            var v0 = Values(start[p].Points);
            int size = va.Length / 3;
            Assert.Equal(v0.AsSpan(0, size).ToArray(), va.AsSpan(0, size).ToArray());
            Assert.Equal(v0.AsSpan(2 * size, size).ToArray(), va.AsSpan(2 * size, size).ToArray());
            AssertClose(Values(b[p].Points), va, 1e-5);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ThreadCountDoesNotChangeABit(int points)
    {
        using var parallel = Train(points, kernel: true, steps: 3, parallel: true);
        using var serial = Train(points, kernel: true, steps: 3, parallel: false);
        foreach (var (a, b) in parallel.SubspaceParameters.Zip(serial.SubspaceParameters))
        {
            Assert.Equal(Values(b.Points), Values(a.Points));
            Assert.Equal(Values(b.Mixed!), Values(a.Mixed!));
        }
    }

    [Fact]
    public void WrongNextCoefficientsAreRejectedBeforeAnyWeightMoves()
    {
        using var network = Network(2);
        using var sgd = new SubspaceSgd(network, 0.9, 0) { LearningRate = 0.1 };
        network.Mix(new[] { 0.5, 0.5 });
        using (NewDisposeScope()) network.forward(ones(2, 301)).sum().backward();
        var before = Values(network.SubspaceParameters.First().Points);
        var e = Assert.Throws<ArgumentException>(() => sgd.Step(null, new[] { new[] { 0.5, 0.5 } }));
        Assert.Contains("one per subspace layer", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Step(null, null, (1, 1)));
        Assert.Equal(before, Values(network.SubspaceParameters.First().Points));
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
