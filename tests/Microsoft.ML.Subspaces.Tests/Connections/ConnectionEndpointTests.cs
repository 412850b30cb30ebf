using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class ConnectionEndpointTests
{
    public static IEnumerable<object[]> Methods()
    {
        foreach (var hidden in new[] { "16", "12,10" })
            foreach (var kind in new[] { ConnectionKind.Linear, ConnectionKind.Arc })
                foreach (var ot in new[] { false, true })
                    foreach (var wa in new[] { false, true })
                        yield return new object[] { hidden, kind, ot, wa };
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void EndsReproduceTheTwoNetworks(string hidden, ConnectionKind kind, bool optimalTransport, bool weightAdjustment)
    {
        var ml = new MLContext(seed: 1);
        var widths = hidden.Split(',').Select(int.Parse).ToArray();
        using var a = RandomMlp(8, widths, 3, seed: 11);
        using var b = RandomMlp(8, widths, 3, seed: 12);
        var x = RandomInputs(60, 8, seed: 5);
        var data = ToDataView(ml, x, 8, 3);
        using var path = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions
        {
            Kind = kind, OptimalTransport = optimalTransport, WeightAdjustment = weightAdjustment, TrainingData = data,
        });
        Assert.Equal((optimalTransport ? "OT+" : "") + kind + (weightAdjustment ? "+WA" : ""), path.Method);
        // Every layer at once, or with weight adjustment one transition per layer and one for the output layer; optimal
        // transport then swaps each hidden layer back into B's order (random networks: no layer is matched as it is).
        Assert.Equal((weightAdjustment ? widths.Length + 1 : 1) + (optimalTransport ? widths.Length : 0), path.TransitionCount);

        var pa = a.PredictProbabilities(x);
        var pb = b.PredictProbabilities(x);
        // The weights at t = 0 and t = 1 are the two networks' own, bit for bit.
        using (var start = path.AtPoint(0)) AssertSameWeights(a, start);
        using (var end = path.AtPoint(1)) AssertSameWeights(b, end);
        using (var start = path.WithPoint(0)) Assert.True(MaxDifference(pa, start.PredictProbabilities(x)) < 1e-6);
        using (var end = path.WithPoint(1)) Assert.True(MaxDifference(pb, end.PredictProbabilities(x)) < 1e-6);

        // The path is continuous at its ends: the formulas (arc, least squares on the training inputs, permuted B)
        // give the two functions in the limit, not only the special-cased end points.
        using (var nearStart = path.AtPoint(1e-9)) Assert.True(MaxDifference(pa, nearStart.PredictProbabilities(x)) < 1e-4, "t -> 0 does not approach A");
        using (var nearEnd = path.AtPoint(1 - 1e-9)) Assert.True(MaxDifference(pb, nearEnd.PredictProbabilities(x)) < 1e-4, "t -> 1 does not approach B");

        // And it moves in between.
        using var middle = path.AtPoint(0.5);
        Assert.True(MaxDifference(pa, middle.PredictProbabilities(x)) > 1e-3);
    }

    private static void AssertSameWeights(SubspaceTransformer expected, SubspaceTransformer actual)
    {
        var e = (SubspaceMlp)expected.Weights.Network;
        var a = (SubspaceMlp)actual.Weights.Network;
        Assert.Equal(e.Layers.Count, a.Layers.Count);
        for (int l = 0; l < e.Layers.Count; l++)
        {
            Assert.True(e.Layers[l].Weight.Points.eq(a.Layers[l].Weight.Points).all().item<bool>(), $"layer {l} weights differ");
            Assert.True(e.Layers[l].Bias.Points.eq(a.Layers[l].Bias.Points).all().item<bool>(), $"layer {l} biases differ");
        }
    }

    [Fact]
    public void EvaluatePathWalksTheConnection()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 10 }, 3, seed: 21);
        using var b = RandomMlp(6, new[] { 10 }, 3, seed: 22);
        var x = RandomInputs(90, 6, seed: 4);
        var data = ToDataView(ml, x, 6, 3, f => f[0] > 0.5 ? 0 : f[1] > 0.5 ? 1 : 2);
        using var path = ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Arc);
        var evaluation = ml.Subspaces().EvaluatePath(path, data, 7);
        Assert.Equal(7, evaluation.Points.Count);
        Assert.Equal(ml.Subspaces().Evaluate(a.Transform(data)).Accuracy, evaluation.Start.Accuracy, 12);
        Assert.Equal(ml.Subspaces().Evaluate(b.Transform(data)).Accuracy, evaluation.End.Accuracy, 12);
        Assert.Equal(ml.Subspaces().Evaluate(path.WithPoint(1.0 / 3).Transform(data)).Accuracy, evaluation.Points[2].Accuracy, 12);
    }

    [Fact]
    public void PathTransformerPredictsAtItsPointAndSharesWeights()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(5, new[] { 7 }, 2, seed: 31);
        using var b = RandomMlp(5, new[] { 7 }, 2, seed: 32);
        var x = RandomInputs(20, 5, seed: 6);
        var path = ml.Subspaces().Connections.Arc(a, b);
        Assert.Equal(0.5, path.Position);
        Assert.Contains("Arc connection of mlp 5-7-2", path.ToString());
        var quarter = path.WithPoint(0.25);
        using (var materialized = path.AtPoint(0.25))
            Assert.True(MaxDifference(materialized.PredictProbabilities(x), quarter.PredictProbabilities(x)) < 1e-6);
        var middle = path.PredictProbabilities(x);
        Assert.True(MaxDifference(middle, quarter.PredictProbabilities(x)) > 1e-4);
        path.Dispose(); // derived transformers keep the shared path alive
        using (var again = quarter.WithPoint(0.5)) Assert.True(MaxDifference(middle, again.PredictProbabilities(x)) < 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => quarter.WithPoint(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => quarter.AtPoint(-0.1));
        quarter.Dispose();
        Assert.Throws<ObjectDisposedException>(() => quarter.PredictProbabilities(x));
        Assert.Throws<ObjectDisposedException>(() => path.WithPoint(0.5));
    }
}
