using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>Optimal transport's second stage: the path goes on from the matched B to B's own weights, continuously.</summary>
public class OptimalTransportSecondStageTests
{
    public static IEnumerable<object[]> Methods()
    {
        yield return new object[] { "24,20,16", ConnectionKind.Linear, false, false };
        yield return new object[] { "24,20,16", ConnectionKind.Arc, false, false };
        yield return new object[] { "24,20,16", ConnectionKind.Linear, true, false };
        yield return new object[] { "40", ConnectionKind.Arc, false, false };
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void OptimalTransportPathIsContinuousInWeightsFromAToB(string hidden, ConnectionKind kind, bool layerByLayer, bool weightAdjustment)
    {
        var ml = new MLContext(seed: 1);
        var widths = hidden.Split(',').Select(int.Parse).ToArray();
        using var a = RandomMlp(9, widths, 3, seed: 31);
        using var b = RandomMlp(9, widths, 3, seed: 32);
        var x = RandomInputs(200, 9, seed: 4);
        var data = ToDataView(ml, x, 9, 3);
        using var path = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions
        {
            Kind = kind, OptimalTransport = true, LayerByLayer = layerByLayer, WeightAdjustment = weightAdjustment, TrainingData = data,
        });
        var connection = path.Path;
        Assert.Contains(connection.Transitions, t => t.Mode == TransitionMode.Realignment);

        // The weights at 1,001 evenly spaced points: no jump larger than 5 times the mean step.
        const int points = 1001;
        var steps = new double[points - 1];
        Tensor? previous = null;
        for (int i = 0; i < points; i++)
        {
            using var scope = NewDisposeScope();
            var flat = Flatten(connection.At(i / (double)(points - 1)));
            if (previous is not null) steps[i - 1] = flat.sub(previous).norm().item<double>();
            previous?.Dispose();
            previous = flat.DetachFromDisposeScope();
        }
        previous?.Dispose();
        double mean = steps.Average(), max = steps.Max();
        Assert.True(mean > 0);
        Assert.True(max <= 5 * mean, $"largest step {max:G4} is {max / mean:F1} times the mean step {mean:G4}");

        // The ends are A's and B's own weights, and the last stage arrives at B's (not a permuted copy).
        using (var scope = NewDisposeScope())
        {
            Assert.Equal(0, Flatten(connection.At(0)).sub(Flatten(connection.A)).abs().max().item<double>());
            Assert.Equal(0, Flatten(connection.At(1)).sub(Flatten(connection.B)).abs().max().item<double>());
            Assert.True(Flatten(connection.At(1 - 1e-12)).sub(Flatten(connection.B)).abs().max().item<double>() < 1e-6);
            Assert.Equal(0, Flatten(connection.Transitions[^1].End).sub(Flatten(connection.B)).abs().max().item<double>());
        }

        // Both ends of the second stage are B's function: the matched B predicts as B does.
        int first = connection.Transitions.ToList().FindIndex(t => t.Mode == TransitionMode.Realignment);
        using var matched = path.AtPoint(connection.TransitionEnds![first - 1]);
        Assert.True(MaxDifference(b.PredictProbabilities(x), matched.PredictProbabilities(x)) < 1e-5);
    }

    [Fact]
    public void WithoutTheSecondStageThePathWouldJumpAtTheEnd()
    {
        // The first stage ends at a permuted B: far from B's own weights, which is what the second stage closes.
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(9, new[] { 30 }, 3, seed: 41);
        using var b = RandomMlp(9, new[] { 30 }, 3, seed: 42);
        using var path = ml.Subspaces().Connections.OptimalTransport(a, b);
        var connection = path.Path;
        var realignment = Assert.IsType<RealignmentTransition>(connection.Transitions[^1]);
        Assert.True(realignment.SwapCount > 0);
        using var scope = NewDisposeScope();
        double jump = Transition.Distance(realignment.Start, connection.B);
        Assert.True(jump > 0.5 * Transition.Distance(connection.A, connection.B), $"the matched B is {jump:G3} from B");
        Assert.True(realignment.Length >= jump * (1 - 1e-9), "the swaps' length is at least the distance they cover");
    }

    private static Tensor Flatten(MlpWeights w) => cat(w.Tensors.Select(t => t.flatten()).ToArray(), 0);
}
