using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class PermutationInvarianceTests
{
    [Theory]
    [InlineData("20")]
    [InlineData("14,9")]
    public void PermutingHiddenNeuronsKeepsTheFunction(string hidden)
    {
        var widths = hidden.Split(',').Select(int.Parse).ToArray();
        using var b = RandomMlp(8, widths, 4, seed: 3);
        using var permuted = PermuteHidden(b, seed: 17);
        var x = RandomInputs(40, 8, seed: 2);
        Assert.True(MaxDifference(b.PredictProbabilities(x), permuted.PredictProbabilities(x)) < 1e-6);
        // The weights did move: the permutation is not the identity.
        var w = ((Networks.SubspaceMlp)b.Weights.Network).Layers[0].Weight.Points;
        var wp = ((Networks.SubspaceMlp)permuted.Weights.Network).Layers[0].Weight.Points;
        Assert.False(w.allclose(wp));
    }

    public static IEnumerable<object[]> OptimalTransportMethods()
    {
        foreach (var hidden in new[] { "20", "14,9" })
        {
            yield return new object[] { hidden, ConnectionKind.Linear, false };
            yield return new object[] { hidden, ConnectionKind.Arc, false };
            yield return new object[] { hidden, ConnectionKind.Linear, true };
        }
    }

    [Theory]
    [MemberData(nameof(OptimalTransportMethods))]
    public void OptimalTransportPathDoesNotDependOnTheSecondNetworksNeuronOrder(string hidden, ConnectionKind kind, bool weightAdjustment)
    {
        var ml = new MLContext(seed: 1);
        var widths = hidden.Split(',').Select(int.Parse).ToArray();
        using var a = RandomMlp(8, widths, 4, seed: 4);
        using var b = RandomMlp(8, widths, 4, seed: 5);
        using var permuted = PermuteHidden(b, seed: 23);
        var x = RandomInputs(80, 8, seed: 9);
        var data = ToDataView(ml, x, 8, 4);
        var options = new ConnectionOptions { Kind = kind, OptimalTransport = true, WeightAdjustment = weightAdjustment, TrainingData = data, Seed = 1 };
        using var path = ml.Subspaces().Connections.Connect(a, b, options);
        using var pathPermuted = ml.Subspaces().Connections.Connect(a, permuted, options);
        // The first stage, from A to B matched to A, is the same path whatever B's order; the second stage (swapping
        // the neurons back into B's own order) is not, so points are compared at the same fraction of the first stage.
        double end = FirstStageEnd(path), endPermuted = FirstStageEnd(pathPermuted);
        foreach (var f in new[] { 0.2, 0.5, 0.73, 0.95, 1.0 })
        {
            using var p = path.AtPoint(f * end);
            using var q = pathPermuted.AtPoint(f * endPermuted);
            Assert.True(MaxDifference(p.PredictProbabilities(x), q.PredictProbabilities(x)) < 1e-5, $"{f} of the first stage");
        }
        using (var p = path.AtPoint(1))
        using (var q = pathPermuted.AtPoint(1))
            Assert.True(MaxDifference(p.PredictProbabilities(x), q.PredictProbabilities(x)) < 1e-5, "both end at B's function");

        // Without optimal transport the neuron order matters (so the check above can fail).
        using var linear = ml.Subspaces().Connections.Linear(a, b);
        using var linearPermuted = ml.Subspaces().Connections.Linear(a, permuted);
        Assert.True(MaxDifference(linear.PredictProbabilities(x), linearPermuted.PredictProbabilities(x)) > 1e-3);
    }

    /// <summary>The t at which optimal transport's first stage ends (the second starts with the first realignment).</summary>
    private static double FirstStageEnd(Transformers.PathTransformer path)
    {
        int first = path.Path.Transitions.ToList().FindIndex(t => t.Mode == TransitionMode.Realignment);
        Assert.True(first > 0, "an optimal transport path has a second stage");
        return path.Path.TransitionEnds![first - 1];
    }
}
