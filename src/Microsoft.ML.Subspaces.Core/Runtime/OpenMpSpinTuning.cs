using System.Runtime.InteropServices;

namespace Microsoft.ML.Subspaces.Runtime;

/// <summary>
/// Shortens how long libtorch's OpenMP worker threads busy-wait after each parallel operation.
/// <para>
/// libtorch's CPU build runs its parallel operations on GNU OpenMP (libgomp), whose idle workers spin for
/// <c>GOMP_SPINCOUNT</c> iterations (300,000 by default: milliseconds) before they sleep. The fused optimizer step
/// (<c>FusedSgdKernel</c>) runs on .NET threads right after the backward pass, so with the default every core but
/// the caller's is held by a spinning worker and the step gets one core's memory bandwidth (measured on 2 cores: a
/// line's epoch 1.16-1.27x a standard one's with the default, 1.11-1.14x with 1,000). libtorch's own operations follow
/// each other within microseconds, inside the shorter spin, so its speed is unchanged (standard epoch 0.19-0.20 s
/// either way).
/// </para>
/// <para>
/// The library never changes the process's environment by itself: an application that trains on the CPU calls
/// <see cref="Apply"/> first thing in <c>Main</c>, before anything uses TorchSharp (libgomp reads the variable once,
/// when libtorch is loaded; a later call has no effect on this process's libtorch). It changes nothing when
/// <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> is already set (set either to choose yourself), when
/// <c>SUBSPACES_KEEP_OPENMP_SPIN=1</c>, or off Linux/glibc. The samples and the benchmark call it.
/// </para>
/// </summary>
public static class OpenMpSpinTuning
{
    /// <summary>The value set for <c>GOMP_SPINCOUNT</c> (tens of microseconds of spinning).</summary>
    public const string SpinCount = "1000";

    /// <summary>Whether this process's <c>GOMP_SPINCOUNT</c> was set by the library.</summary>
    public static bool Applied { get; private set; }

    /// <summary>
    /// Sets <c>GOMP_SPINCOUNT</c> to <see cref="SpinCount"/> in the C library's environment of this process (the copy
    /// libgomp reads), unless the user chose a spin policy. Call it before the first use of TorchSharp.
    /// </summary>
    /// <returns>True when this call or an earlier one set the variable.</returns>
    public static bool Apply()
    {
        if (Applied) return true;
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("SUBSPACES_KEEP_OPENMP_SPIN") == "1") return false;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return false;
        try
        {
            // Environment.SetEnvironmentVariable changes only .NET's copy on Unix; libgomp reads the C library's.
            Applied = setenv("GOMP_SPINCOUNT", SpinCount, 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: leave the default.
        }
        return Applied;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
