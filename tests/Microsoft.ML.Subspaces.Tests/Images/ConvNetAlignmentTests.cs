using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Optimal transport between ConvNets, filters as neurons (Connections.AlignChannels).</summary>
public class ConvNetAlignmentTests
{
    private static StandardTrainerOptions Options(int seed) => new()
    {
        Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, ChannelMean = new[] { 0.13f }, ChannelStd = new[] { 0.31f },
        Epochs = 2, BatchSize = 32, LearningRate = 0.05, BatchNormSampleRows = 256, Seed = seed,
    };

    [Fact]
    public void AlignmentUndoesAHiddenPermutationOfEveryBlockExactly()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        using var model = ml.Subspaces().Trainers.Standard(Options(1)).Fit(train);
        using var a = (SubspaceConvNet)model.Weights.Network.Materialize(new[] { 1.0 });
        using var b = (SubspaceConvNet)model.Weights.Network.Materialize(new[] { 1.0 });
        var random = new Random(5);
        for (int l = 0; l < b.Blocks.Count; l++)
        {
            var p = Enumerable.Range(0, (int)b.Blocks[l].Conv.OutChannels).OrderBy(_ => random.Next()).ToArray();
            ConvNetAlignment.Permute(b, l, p);
        }
        Assert.NotEqual(Weights(a), Weights(b)); // the shuffle moved channels

        ConvNetAlignment.AlignChannels(a, b);

        Assert.Equal(Weights(a), Weights(b)); // every filter, BatchNorm parameter and classifier column back in place
    }

    [Fact]
    public void TheAlignedModelPredictsAsTheSecondAndTheSegmentToItJoinsTheModels()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        var test = ImageTestData.Mnist(ml, 0, 200, test: true);
        using var a = ml.Subspaces().Trainers.Standard(Options(1)).Fit(train);
        using var b = ml.Subspaces().Trainers.Standard(Options(2)).Fit(train);
        using var aligned = ml.Subspaces().Connections.AlignChannels(a, b);
        var features = test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        var expected = b.PredictProbabilities(features);
        var actual = aligned.PredictProbabilities(features);
        Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-5, "the aligned copy predicts differently from b");

        // Aligned filters are closer to a's than b's own order is.
        using var na = a.Weights.Network.Materialize(new[] { 1.0 });
        using var nb = b.Weights.Network.Materialize(new[] { 1.0 });
        using var nab = aligned.Weights.Network.Materialize(new[] { 1.0 });
        Assert.True(Distance(na, nab) < Distance(na, nb), $"aligned distance {Distance(na, nab)} is not below {Distance(na, nb)}");

        using var segment = ml.Subspaces().Segment(a, aligned);
        var path = ml.Subspaces().EvaluatePath(segment, test, points: 3);
        Assert.Equal(ml.Subspaces().Evaluate(b.Transform(test)).Accuracy, path.End.Accuracy, 6);

        using var mlp = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8 }, Epochs = 1 }).Fit(train);
        var error = Assert.Throws<NotSupportedException>(() => ml.Subspaces().Connections.AlignChannels(mlp, mlp));
        Assert.Contains("OptimalTransport", error.Message);
    }

    private static float[] Weights(SubspaceNetwork network) =>
        network.SubspaceParameters.SelectMany(p => p.Points.data<float>().ToArray()).ToArray();

    private static double Distance(SubspaceNetwork x, SubspaceNetwork y) =>
        Weights(x).Zip(Weights(y)).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second));
}
