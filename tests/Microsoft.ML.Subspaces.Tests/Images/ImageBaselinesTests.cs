using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>
/// SWA and FGE build their network from the same options as every other trainer, so image networks train with them
/// too (before, they always built an MLP and ignored <c>Network</c>).
/// </summary>
public class ImageBaselinesTests
{
    [Fact]
    public void StochasticWeightAveragingTrainsTheConvNetItIsAskedFor()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        var test = ImageTestData.Mnist(ml, 0, 200, test: true);
        using var swa = ml.Subspaces().Trainers.StochasticWeightAveraging(new StochasticWeightAveragingOptions
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, Epochs = 3, BatchSize = 32, Seed = 1, SwaLearningRate = 0.01,
        }).Fit(train);
        Assert.Equal(NetworkArchitecture.ConvNet, swa.Network.Kind);
        var accuracy = ml.MulticlassClassification.Evaluate(swa.Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.5, $"SWA ConvNet accuracy {accuracy:P1} on 200 test digits after 3 epochs on 256");
    }

    [Fact]
    public void FastGeometricEnsembleFromScratchTrainsTheConvNetItIsAskedFor()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 128);
        using var fge = ml.Subspaces().Trainers.FastGeometricEnsemble(new FastGeometricEnsembleOptions
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, Epochs = 1, BatchSize = 32, Seed = 1, Cycles = 2, CycleIterations = 2,
        }).Fit(train);
        Assert.Equal(2, fge.Members.Count);
        Assert.All(fge.Members, m => Assert.Equal(NetworkArchitecture.ConvNet, ((Transformers.SubspaceTransformer)m).Network.Kind));
    }
}
