using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class WeightAdjustmentTests
{
    [Theory]
    [InlineData(ConnectionKind.Linear)]
    [InlineData(ConnectionKind.Arc)]
    public void LeastSquaresResidualIsZeroAtTheStartAndNeverWorseThanTheLinearPoint(ConnectionKind kind)
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(10, new[] { 24 }, 4, seed: 41);
        using var b = RandomMlp(10, new[] { 24 }, 4, seed: 42);
        var x = RandomInputs(300, 10, seed: 8);
        var data = ToDataView(ml, x, 10, 4);
        using var wa = ml.Subspaces().Connections.WeightAdjusted(a, b, data, kind);
        using var reference = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { Kind = kind }); // same first-layer move, no adjustment
        var transition = Assert.IsType<WeightAdjustedTransition>(wa.Path.Transitions[0]);
        var sample = wa.Path.Sample!;
        Assert.Equal(300, sample.shape[0]);
        using var scope = NewDisposeScope();
        var targetLogits = wa.Path.A.Forward(sample);

        // At s = 0 (t = 0) the least-squares layer reproduces A: A's own layer fits exactly.
        Assert.True(transition.ResidualAt(0) < 1e-10, $"residual at t = 0: {transition.ResidualAt(0)}");
        double scale = targetLogits.square().sum().item<double>() / 300;

        foreach (var s in new[] { 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 })
        {
            // The same first layer as the unadjusted connection at t = s, with layer 2 re-solved.
            double adjusted = transition.ResidualAt(s);
            var point = reference.Path.At(s);
            double unadjusted = point.Forward(sample).sub(targetLogits).square().sum().item<double>() / 300;
            Assert.True(adjusted <= unadjusted + 1e-9 * scale, $"s = {s}: adjusted {adjusted} > unadjusted {unadjusted}");
            if (s >= 0.5) Assert.True(adjusted < 0.9 * unadjusted, $"s = {s}: the adjustment should help: {adjusted} vs {unadjusted}");
        }
    }

    [Fact]
    public void WeightAdjustmentPointsStayCloseToTheFirstNetworkOnTheSample()
    {
        // Wide first layer and many samples: the least-squares layer can follow A's output closely along the first half.
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 64 }, 3, seed: 51);
        using var b = RandomMlp(6, new[] { 64 }, 3, seed: 52);
        var x = RandomInputs(400, 6, seed: 10);
        var data = ToDataView(ml, x, 6, 3);
        using var wa = ml.Subspaces().Connections.WeightAdjusted(a, b, data, ConnectionKind.Linear, optimalTransport: true);
        using var linear = ml.Subspaces().Connections.Linear(a, b);
        var pa = a.PredictProbabilities(x);
        using var adjusted = wa.AtPoint(wa.Path.TransitionEnds![0] / 2);   // middle of the first transition
        using var plain = linear.AtPoint(0.5);    // same first-layer point (s = 0.5) without adjustment
        Assert.True(MaxDifference(pa, adjusted.PredictProbabilities(x)) < MaxDifference(pa, plain.PredictProbabilities(x)));
    }

    [Fact]
    public void WeightAdjustmentSolvesOnTheInputTheNetworksSee()
    {
        // Networks that standardize x' = 5 + 3x compute exactly what plain networks compute on x; so must every point of
        // their weight-adjusted path, whose least squares run on the sample as the first layer sees it.
        var ml = new MLContext(seed: 1);
        var mean = Enumerable.Repeat(5.0, 6).ToArray();
        var std = Enumerable.Repeat(3.0, 6).ToArray();
        using var a = RandomMlp(6, new[] { 16 }, 3, seed: 51);
        using var b = RandomMlp(6, new[] { 16 }, 3, seed: 52);
        using var sa = RandomMlp(6, new[] { 16 }, 3, seed: 51, featureMean: mean, featureStd: std);
        using var sb = RandomMlp(6, new[] { 16 }, 3, seed: 52, featureMean: mean, featureStd: std);
        var x = RandomInputs(300, 6, seed: 13);
        var shifted = x.Select(v => 5 + 3 * v).ToArray();
        using var plain = ml.Subspaces().Connections.WeightAdjusted(a, b, ToDataView(ml, x, 6, 3), ConnectionKind.Linear);
        using var standardized = ml.Subspaces().Connections.WeightAdjusted(sa, sb, ToDataView(ml, shifted, 6, 3), ConnectionKind.Linear);
        using var p = plain.AtPoint(0.25);
        using var q = standardized.AtPoint(0.25);
        Assert.True(MaxDifference(p.PredictProbabilities(x), q.PredictProbabilities(shifted)) < 1e-4);
    }

    [Fact]
    public void DeepWeightAdjustmentHasOneTransitionPerLayer()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(7, new[] { 12, 11, 10 }, 3, seed: 61);
        using var b = RandomMlp(7, new[] { 12, 11, 10 }, 3, seed: 62);
        var x = RandomInputs(150, 7, seed: 12);
        var data = ToDataView(ml, x, 7, 3);
        using var wa = ml.Subspaces().Connections.WeightAdjusted(a, b, data, ConnectionKind.Arc, optimalTransport: true);
        // Three hidden layers, the output layer, then optimal transport's second stage: each hidden layer swapped back.
        Assert.Equal(7, wa.TransitionCount);
        Assert.Equal(new[]
            {
                TransitionMode.WeightAdjusted, TransitionMode.WeightAdjusted, TransitionMode.WeightAdjusted, TransitionMode.OutputLayer,
                TransitionMode.Realignment, TransitionMode.Realignment, TransitionMode.Realignment,
            },
            wa.Path.Transitions.Select(t => t.Mode));
        // Consecutive transitions meet: the end of one is the start of the next.
        for (int i = 0; i + 1 < wa.Path.Transitions.Count; i++)
            Assert.Same(wa.Path.Transitions[i].End, wa.Path.Transitions[i + 1].Start);
    }
}
