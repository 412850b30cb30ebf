using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Tests.Images;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// libtorch 2.10's oneDNN AVX-512 kernel returned wrong float32 input gradients for stride-1 convolutions on the
/// development machine (relative error 0.7 or NaN against float64): ConvNets trained on them. These tests fail there
/// when the check does not switch that kernel off; on a machine whose kernel is right they hold without a switch.
/// </summary>
public class ConvolutionGradientCheckTests
{
    [Fact]
    public void AfterTheCheckConvolutionInputGradientsMatchFloat64()
    {
        var status = ConvolutionGradientCheck.Ensure();
        Assert.Equal(status, ConvolutionGradientCheck.Ensure()); // decided once per process
        Assert.Equal(status, ConvolutionGradientCheck.Status);
        double error = ConvolutionGradientCheck.InputGradientError();
        Assert.True(error < 1e-3, $"float32 input gradients {error:G3} off float64 after the check ({status})");
        Assert.Equal(status == ConvolutionGradientStatus.OneDnnSwitchedOff, ConvolutionGradientCheck.Notice(status) is not null);
        using (TorchSharp.torch.no_grad()) // the check computes gradients whatever the caller's mode
            Assert.Equal(error, ConvolutionGradientCheck.InputGradientError());
    }

    [Fact]
    public void FittingAConvNetLeavesCorrectConvolutionGradients()
    {
        var ml = new MLContext(seed: 1);
        var train = ImageTestData.Mnist(ml, 0, 64);
        using var model = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            Network = NetworkArchitecture.ConvNet, WidthMultiplier = 0.25, Epochs = 1, BatchSize = 32, Device = "cpu", Seed = 1,
        }).Fit(train);
        Assert.NotNull(ConvolutionGradientCheck.Status);
        double error = ConvolutionGradientCheck.InputGradientError();
        Assert.True(error < 1e-3, $"float32 input gradients {error:G3} off float64 after a ConvNet fit");
    }
}
