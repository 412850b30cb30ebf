using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Runtime;

/// <summary>
/// Guards CPU training of convolutional networks against a libtorch whose float32 convolution returns wrong input
/// gradients.
/// </summary>
/// <remarks>
/// Measured with libtorch 2.10 (TorchSharp 0.107) on an AMD EPYC with AVX-512: oneDNN's AVX-512 backward-data kernel of
/// stride-1 3x3 convolutions gave input gradients up to 70% off the float64 result, or NaN, from one call to the next,
/// while the forward pass, the weight gradient and stride 2 were right; with <c>ONEDNN_MAX_CPU_ISA=AVX2</c> or with
/// libtorch's own convolution they matched float64. Every hidden layer of a ConvNet or ResNet-20 trained on them.
/// Once per process, before the first CPU training of a network with convolutions, <see cref="Ensure"/> compares the
/// float32 input gradient of a small convolution with float64's. When they disagree it turns oneDNN convolutions off
/// for the process (<c>at::Context::setUserEnabledMkldnn(false)</c>: libtorch's own convolution, correct and about 2x
/// slower there) and checks again; if still wrong, or when the switch is not reachable, training is an error. To keep
/// oneDNN's speed on such a machine, start the process with <c>ONEDNN_MAX_CPU_ISA=AVX2</c> (oneDNN reads it at its first
/// use): the check then passes and nothing is switched.
/// </remarks>
public static class ConvolutionGradientCheck
{
    private static readonly object Gate = new();
    private static ConvolutionGradientStatus? _status;

    /// <summary>What the check found, or null before it ran in this process.</summary>
    public static ConvolutionGradientStatus? Status
    {
        get { lock (Gate) return _status; }
    }

    /// <summary>
    /// Runs the check once per process (later calls return the first result) and switches oneDNN convolutions off when
    /// they compute wrong gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">The gradients are wrong and could not be made right.</exception>
    public static ConvolutionGradientStatus Ensure()
    {
        lock (Gate)
        {
            if (_status is { } known) return known;
            double error = InputGradientError();
            if (error <= Tolerance)
                return (_status = ConvolutionGradientStatus.Correct).Value;
            try
            {
                SetUserEnabledMkldnn(GlobalContext(), false);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                throw new InvalidOperationException(
                    $"libtorch's float32 convolution computes wrong input gradients on this machine (relative error {error:G3} against float64), " +
                    "and its oneDNN convolutions cannot be switched off from here. Start the process with the environment variable ONEDNN_MAX_CPU_ISA=AVX2.", e);
            }
            double after = InputGradientError();
            if (!(after <= Tolerance))
                throw new InvalidOperationException(
                    $"libtorch's float32 convolution computes wrong input gradients on this machine (relative error {error:G3} against float64, " +
                    $"{after:G3} with oneDNN switched off). Train on another device, or start the process with ONEDNN_MAX_CPU_ISA=AVX2.");
            return (_status = ConvolutionGradientStatus.OneDnnSwitchedOff).Value;
        }
    }

    /// <summary>A message for the training log when the check changed something, otherwise null.</summary>
    public static string? Notice(ConvolutionGradientStatus status) => status == ConvolutionGradientStatus.OneDnnSwitchedOff
        ? "oneDNN convolutions are switched off in this process: their float32 input gradients were wrong on this CPU (libtorch's own convolution is used; start the process with ONEDNN_MAX_CPU_ISA=AVX2 to keep oneDNN)"
        : null;

    // float32 against float64 is ~1e-6 here; the broken kernel is off by 0.6-0.7 or NaN.
    private const double Tolerance = 1e-3;

    /// <summary>Largest difference between the float32 and float64 input gradients of a 3x3 stride-1 convolution, relative to the largest gradient.</summary>
    internal static double InputGradientError()
    {
        using var scope = NewDisposeScope();
        using var gradients = enable_grad(); // also when called under no_grad
        using var generator = new Generator(20261203, CPU);
        var x = randn(new long[] { 32, 4, 28, 28 }, generator: generator);
        var w = randn(new long[] { 8, 4, 3, 3 }, generator: generator);
        var dy = randn(new long[] { 32, 8, 28, 28 }, generator: generator);
        var single = InputGradient(x, w, dy);
        var exact = InputGradient(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), dy.to_type(ScalarType.Float64));
        double difference = single.to_type(ScalarType.Float64).AddScaled(exact, -1).abs().max().item<double>();
        return difference / exact.abs().max().item<double>();
    }

    private static Tensor InputGradient(Tensor x, Tensor w, Tensor dy)
    {
        var input = x.detach().clone().requires_grad_(true);
        var output = nn.functional.conv2d(input, w, padding: new long[] { 1, 1 });
        output.backward(new[] { dy });
        return input.grad!;
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);
}

/// <summary>What <see cref="ConvolutionGradientCheck"/> found.</summary>
public enum ConvolutionGradientStatus
{
    /// <summary>float32 convolution gradients agree with float64: nothing was changed.</summary>
    Correct,

    /// <summary>They did not; oneDNN convolutions were switched off for the process, and then they agreed.</summary>
    OneDnnSwitchedOff,
}
