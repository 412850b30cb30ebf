using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// <c>Module.to(device or dtype)</c> replaces a module's Parameter objects and disposes the old ones (as a move to
/// CUDA does); subspace parameters, mixing and the optimizer must follow. A dtype change is the move this CPU-only
/// machine can make.
/// </summary>
public class ModuleMoveTests
{
    [Fact]
    public void SubspaceParametersFollowTheModuleAndTrainAfterAMove()
    {
        var spec = new NetworkSpec { Kind = NetworkArchitecture.Mlp, InputSize = 5, HiddenSizes = new[] { 4 }, ClassCount = 3, PointCount = 2 };
        using var network = NetworkFactory.Create(spec, new Generator(4, CPU));
        network.to(ScalarType.Float64);
        foreach (var p in network.SubspaceParameters) Assert.Equal(ScalarType.Float64, p.Points.dtype);

        using var sgd = new SubspaceSgd(network, 0.9, 1e-3) { LearningRate = 0.1 }; // float64: the tensor-operation path
        var before = network.SubspaceParameters.First().Points.detach().clone();
        using (NewDisposeScope())
        {
            network.Mix(new[] { 0.3, 0.7 });
            var x = randn(new long[] { 6, 5 }, ScalarType.Float64, generator: new Generator(1, CPU));
            nn.functional.cross_entropy(network.forward(x), tensor(new long[] { 0, 1, 2, 0, 1, 2 })).backward();
            sgd.Step(network.CosineRegularizer(0, 1, 1.0), new[] { new[] { 0.5, 0.5 }, new[] { 0.5, 0.5 } });
        }
        var after = network.SubspaceParameters.First().Points;
        Assert.True((after - before).abs().max().item<double>() > 1e-6, "the points did not move");
        Assert.Equal(ScalarType.Float64, network.SubspaceParameters.First().Mixed!.dtype);
        network.ClearMixing();
    }

    [Fact]
    public void BatchNormNetworkPredictsAfterAMove()
    {
        var spec = new NetworkSpec { Kind = NetworkArchitecture.ConvNet, InputSize = 64, InputShape = new[] { 1, 8, 8 }, ClassCount = 3, PointCount = 2, WidthMultiplier = 0.125 };
        using var network = NetworkFactory.Create(spec, new Generator(5, CPU));
        network.to(ScalarType.Float64).to(ScalarType.Float32); // two moves, each replacing parameters and buffers
        foreach (var p in network.SubspaceParameters) Assert.Equal(ScalarType.Float32, p.Points.dtype);
        using var point = network.Materialize(new[] { 0.5, 0.5 });
        var sample = rand(new long[] { 16, 64 }, generator: new Generator(2, CPU));
        Assert.True(point.RecomputeBatchNormStatistics(sample, batchSize: 8));
        using var _ = no_grad();
        using var logits = point.forward(sample);
        Assert.Equal(new long[] { 16, 3 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
