using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Weight adjustment between ConvNets (Connections.WeightAdjustedConvNets).</summary>
public class ConvNetWeightAdjustmentTests
{
    private static StandardTrainerOptions Options(int seed) => new()
    {
        Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, ChannelMean = new[] { 0.13f }, ChannelStd = new[] { 0.31f },
        Epochs = 2, BatchSize = 32, LearningRate = 0.05, BatchNormSampleRows = 512, Seed = seed,
    };

    private static (MLContext Ml, IDataView Train) Data()
    {
        var ml = new MLContext(seed: 3);
        return (ml, ImageTestData.Mnist(ml, 0, 512));
    }

    [Fact]
    public void TheEndsAreTheFirstNetworkAndTheAlignedSecondAndTheStagesFollowOneAnother()
    {
        var (ml, train) = Data();
        using var a = ml.Subspaces().Trainers.Standard(Options(1)).Fit(train);
        using var b = ml.Subspaces().Trainers.Standard(Options(2)).Fit(train);
        using var aligned = ml.Subspaces().Connections.AlignChannels(a, b);
        using var connection = ml.Subspaces().Connections.WeightAdjustedConvNets(a, b, train, seed: 7);
        Assert.Equal("OT+Linear+WA", connection.Method);
        Assert.Equal(4, connection.StageCount);

        using (var start = connection.AtPoint(0)) Assert.Equal(Weights(a), Weights(start));
        using (var end = connection.AtPoint(1)) Assert.Equal(Weights(aligned), Weights(end));

        // Within a stage the function moves continuously: a small step in t barely changes the predictions. (The weights of a
        // re-solved layer can move more: least squares pins its outputs on the sample, not directions the sample does not see.)
        var features = train.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        foreach (double t in new[] { 0.1, 0.35, 0.6, 0.85 })
        {
            using var here = connection.AtPoint(t);
            using var next = connection.AtPoint(t + 1e-4);
            using var far = connection.AtPoint(t + 0.1);
            double step = MeanAbsoluteGap(here.PredictProbabilities(features), next.PredictProbabilities(features));
            double move = MeanAbsoluteGap(here.PredictProbabilities(features), far.PredictProbabilities(features));
            Assert.True(step < 1e-3 && step < 0.05 * move, $"at t={t}: a step of 1e-4 changed the probabilities by {step:G3}, a step of 0.1 by {move:G3}");
        }
    }

    [Fact]
    public void TheReSolvedLayerKeepsTheFirstNetworksOutputWhereTheUnadjustedHybridLosesIt()
    {
        var (ml, train) = Data();
        using var a = ml.Subspaces().Trainers.Standard(Options(1)).Fit(train);
        using var b = ml.Subspaces().Trainers.Standard(Options(2)).Fit(train);
        using var aligned = ml.Subspaces().Connections.AlignChannels(a, b);
        using var connection = ml.Subspaces().Connections.WeightAdjustedConvNets(a, b, train, seed: 7);
        var features = train.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();

        // End of stage 0: block 0 is the second network's, block 1's convolution re-solved to give the first's output.
        using var adjusted = connection.AtPoint(0.25);
        using var netA = (SubspaceConvNet)a.Weights.Network.Materialize(new[] { 1.0 });
        using var hybrid = (SubspaceConvNet)a.Weights.Network.Materialize(new[] { 1.0 });
        using var netB = aligned.Weights.Network.Materialize(new[] { 1.0 });
        using (no_grad())
        {
            var source = ((SubspaceConvNet)netB).Blocks[0];
            foreach (var (to, from) in hybrid.Blocks[0].Conv.Parameters.Concat(hybrid.Blocks[0].Norm.Parameters)
                         .Zip(source.Conv.Parameters.Concat(source.Norm.Parameters)))
                to.Points.copy_(from.Points);
            hybrid.RecomputeBatchNormStatistics(a.Weights.BatchNormSample!, 128);
            hybrid.eval();
        }
        using var hybridModel = SubspaceTransformer.Standalone(hybrid.Materialize(new[] { 1.0 }), a.FeatureColumnName, a.Labels, "hybrid");

        var pa = a.PredictProbabilities(features);
        double gapAdjusted = MeanAbsoluteGap(pa, adjusted.PredictProbabilities(features));
        double gapHybrid = MeanAbsoluteGap(pa, hybridModel.PredictProbabilities(features));
        Assert.True(gapAdjusted < 0.5 * gapHybrid, $"re-solved: {gapAdjusted:F4} from the first network's probabilities; unadjusted hybrid: {gapHybrid:F4}");
    }

    [Fact]
    public void ConnectingNetworksOtherThanConvNetsOrWithBadArgumentsIsAnErrorNamingIt()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        using var mlp = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8 }, Epochs = 1 }).Fit(train);
        var error = Assert.Throws<NotSupportedException>(() => ml.Subspaces().Connections.WeightAdjustedConvNets(mlp, mlp, train));
        Assert.Contains("WeightAdjusted", error.Message);

        var options = Options(1);
        options.Epochs = 1;
        using var a = ml.Subspaces().Trainers.Standard(options).Fit(train);
        Assert.Throws<ArgumentNullException>(() => ml.Subspaces().Connections.WeightAdjustedConvNets(a, a, null!));
        var rows = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Connections.WeightAdjustedConvNets(a, a, train, maxSampleRows: 0));
        Assert.Equal("maxSampleRows", rows.ParamName);

        var connection = ml.Subspaces().Connections.WeightAdjustedConvNets(a, a, train, optimalTransport: false, maxSampleRows: 300, seed: 1);
        Assert.Equal("Linear+WA", connection.Method);
        connection.Dispose();
        Assert.Throws<ObjectDisposedException>(() => connection.AtPoint(0.5));
    }

    private static float[] Weights(SubspaceTransformer model) => Weights(model.Weights.Network);

    private static float[] Weights(SubspaceNetwork network) =>
        network.SubspaceParameters.SelectMany(p => p.Points.data<float>().ToArray()).ToArray();

    private static double MeanAbsoluteGap(float[] x, float[] y) => x.Zip(y).Average(p => Math.Abs(p.First - p.Second));
}
