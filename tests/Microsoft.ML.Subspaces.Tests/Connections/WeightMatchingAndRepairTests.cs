using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>Weight matching over all layers (Git Re-Basin) and REPAIR renormalization, beside optimal transport.</summary>
public class WeightMatchingAndRepairTests
{
    [Fact]
    public void WeightMatchingRecoversAHiddenPermutationOfTheFirstNetwork()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(8, new[] { 30, 25, 20 }, 4, seed: 7);
        using var permuted = PermuteHidden(a, seed: 99);
        var x = RandomInputs(50, 8, seed: 3);
        using var path = ml.Subspaces().Connections.Connect(a, permuted, new ConnectionOptions { WeightMatching = true, Seed = 5 });
        Assert.Equal("WM+Linear", path.Method);
        // Aligned, the permuted copy is A itself: the first stage stands still, every point of it is A.
        var connection = path.Path;
        int first = connection.Transitions.ToList().FindIndex(t => t.Mode == TransitionMode.Realignment);
        Assert.Equal(1, first);
        using (var scope = NewDisposeScope())
        {
            var aligned = connection.Transitions[0].End;
            for (int l = 0; l < aligned.LayerCount; l++)
            {
                Assert.Equal(0, aligned.Weights[l].sub(connection.A.Weights[l]).abs().max().item<double>());
                Assert.Equal(0, aligned.Biases[l].sub(connection.A.Biases[l]).abs().max().item<double>());
            }
        }
        var pa = a.PredictProbabilities(x);
        foreach (var f in new[] { 0.3, 0.7, 1.0 })
        {
            using var point = path.AtPoint(f * connection.TransitionEnds![0]);
            Assert.True(MaxDifference(pa, point.PredictProbabilities(x)) < 1e-5, $"{f} of the first stage");
        }
        // The plain segment between the two orders is not A in the middle (so the check above can fail).
        using var linear = ml.Subspaces().Connections.Linear(a, permuted);
        using var middle = linear.AtPoint(0.5);
        Assert.True(MaxDifference(pa, middle.PredictProbabilities(x)) > 1e-3);
    }

    [Theory]
    [InlineData(ConnectionKind.Linear)]
    [InlineData(ConnectionKind.Arc)]
    public void RepairGivesEveryHiddenNeuronTheInterpolatedMeanAndSpread(ConnectionKind kind)
    {
        var ml = new MLContext(seed: 1);
        var widths = new[] { 40, 30 };
        using var a = RandomMlp(6, widths, 3, seed: 21);
        using var b = RandomMlp(6, widths, 3, seed: 22);
        var x = RandomInputs(500, 6, seed: 8);
        var data = ToDataView(ml, x, 6, 3);
        using var repaired = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { Kind = kind, Repair = true, TrainingData = data });
        using var plain = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { Kind = kind });
        Assert.Equal(kind + "+REPAIR", repaired.Method);
        var connection = repaired.Path;
        var sample = connection.Sample!;
        using var scope = NewDisposeScope();
        var statsA = Statistics(connection.A, sample);
        var statsB = Statistics(connection.B, sample);
        foreach (var t in new[] { 0.25, 0.5, 0.8 })
        {
            var stats = Statistics(connection.At(t), sample);
            var plainStats = Statistics(plain.Path.At(t), sample);
            for (int k = 0; k < widths.Length; k++)
            {
                var targetMean = lerp(statsA[k].Mean, statsB[k].Mean, t);
                var targetStd = lerp(statsA[k].Std, statsB[k].Std, t);
                double scale = targetStd.abs().max().item<double>();
                Assert.True(stats[k].Mean.sub(targetMean).abs().max().item<double>() < 1e-6 * scale, $"layer {k}, t = {t}: mean");
                Assert.True(stats[k].Std.sub(targetStd).abs().max().item<double>() < 1e-3 * scale, $"layer {k}, t = {t}: spread");
                // Without REPAIR the spread is off (interpolation shrinks it): the check above can fail.
                Assert.True(plainStats[k].Std.sub(targetStd).abs().max().item<double>() > 0.05 * scale, $"layer {k}, t = {t}: plain spread");
            }
        }
    }

    [Fact]
    public void WeightMatchingWithRepairSavesAndLoads()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 12, 10 }, 3, seed: 71);
        using var b = RandomMlp(6, new[] { 12, 10 }, 3, seed: 72);
        var x = RandomInputs(60, 6, seed: 13);
        var data = ToDataView(ml, x, 6, 3);
        using var path = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightMatching = true, Repair = true, TrainingData = data, Seed = 3 });
        Assert.Equal("WM+Linear+REPAIR", path.Method);
        using var stream = new MemoryStream();
        ml.Subspaces().Model.Save(path, data.Schema, stream);
        stream.Position = 0;
        using var loaded = Assert.IsType<PathTransformer>(ml.Subspaces().Model.Load(stream, out _));
        Assert.Equal(path.Method, loaded.Method);
        Assert.Equal(path.TransitionCount, loaded.TransitionCount);
        foreach (var t in new[] { 0.1, 0.4, 0.75, 0.97 })
        {
            using var p = path.AtPoint(t);
            using var q = loaded.AtPoint(t);
            Assert.True(MaxDifference(p.PredictProbabilities(x), q.PredictProbabilities(x)) < 1e-6, $"t = {t}");
        }
    }

    [Fact]
    public void IncompatibleAlignmentOptionsAreRefusedByName()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 12 }, 3, seed: 1);
        using var b = RandomMlp(6, new[] { 12 }, 3, seed: 2);
        var data = ToDataView(ml, RandomInputs(20, 6, seed: 1), 6, 3);
        Assert.Contains("cannot be combined with OptimalTransport", Assert.Throws<ArgumentException>(() =>
            ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightMatching = true, OptimalTransport = true })).Message);
        Assert.Contains("set ConnectionOptions.TrainingData", Assert.Throws<ArgumentException>(() =>
            ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { Repair = true })).Message);
        Assert.Contains("cannot be combined with WeightAdjustment", Assert.Throws<ArgumentException>(() =>
            ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { Repair = true, WeightAdjustment = true, TrainingData = data })).Message);
    }

    private static (Tensor Mean, Tensor Std)[] Statistics(MlpWeights net, Tensor sample)
    {
        var stats = new (Tensor, Tensor)[net.HiddenCount];
        var h = sample;
        for (int k = 0; k < net.HiddenCount; k++)
        {
            var z = net.PreActivation(h, k);
            stats[k] = (z.mean(new long[] { 0 }), z.std(0, unbiased: false));
            h = z.relu();
        }
        return stats;
    }
}
