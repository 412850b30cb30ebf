using TorchSharp;

namespace Microsoft.ML.Subspaces.Runtime;

/// <summary>
/// Turns the <c>Device</c> option ("auto", "cpu", "cuda", "cuda:N") into a TorchSharp device, honouring
/// <c>MLContext.GpuDeviceId</c> and <c>MLContext.FallbackToCpu</c>. Asking for CUDA where it is not available
/// is an error unless the context allows the fallback, which is then logged.
/// </summary>
public static class TorchDeviceResolver
{
    /// <summary>
    /// True when the libtorch runtime this process loaded can use a CUDA device: the application references TorchSharp's
    /// CUDA runtime (not the CPU one) and the machine has a GPU and driver. Decided at run time; false when TorchSharp
    /// cannot load at all.
    /// </summary>
    public static bool CudaAvailable
    {
        get
        {
            try { return torch.cuda.is_available(); } catch (Exception) { return false; }
        }
    }

    /// <summary>Resolves <paramref name="option"/>; <paramref name="warn"/> receives the fallback notice.</summary>
    /// <exception cref="ArgumentException">The option is not one of the accepted forms.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for, is not available, and fallback is off.</exception>
    public static torch.Device Resolve(string? option, int? gpuDeviceId, bool fallbackToCpu, Action<string>? warn = null)
    {
        string value = (option ?? "auto").Trim().ToLowerInvariant();
        int? cudaIndex;
        bool explicitCuda;
        if (value == "cpu") return torch.CPU;
        if (value == "auto")
        {
            if (gpuDeviceId is null && !CudaAvailable) return torch.CPU;
            if (gpuDeviceId is null) return new torch.Device(DeviceType.CUDA, 0);
            cudaIndex = gpuDeviceId; explicitCuda = true; // the context asked for a GPU
        }
        else if (value == "cuda") { cudaIndex = gpuDeviceId ?? 0; explicitCuda = true; }
        else if (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), out int n) && n >= 0)
        { cudaIndex = n; explicitCuda = true; }
        else
            throw new ArgumentException($"Unknown device '{option}'. Use \"auto\", \"cpu\", \"cuda\" or \"cuda:N\".", nameof(option));

        bool cuda = CudaAvailable;
        if (explicitCuda && cuda && cudaIndex < torch.cuda.device_count())
            return new torch.Device(DeviceType.CUDA, cudaIndex!.Value);

        string why = cuda
            ? $"CUDA device {cudaIndex} does not exist ({torch.cuda.device_count()} found)"
            : "no CUDA device is available to the libtorch runtime this application loaded (a CPU runtime such as " +
              "libtorch-cpu-linux-x64, or no GPU or driver; reference TorchSharp's CUDA runtime package instead for GPU training)";
        if (fallbackToCpu)
        {
            warn?.Invoke($"Device '{value}' requested but {why}; falling back to CPU because MLContext.FallbackToCpu is set.");
            return torch.CPU;
        }
        throw new InvalidOperationException($"Device '{value}' requested but {why}. Use Device = \"cpu\" or set MLContext.FallbackToCpu = true.");
    }
}
