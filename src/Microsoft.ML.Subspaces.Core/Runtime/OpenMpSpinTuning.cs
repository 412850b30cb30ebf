using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
/// libgomp reads the variable once, when libtorch is loaded; so this runs when this assembly is first used and has no
/// effect if TorchSharp was used before. It changes nothing when <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c>
/// is already set (set either to choose yourself), or when <c>SUBSPACES_KEEP_OPENMP_SPIN=1</c>.
/// </summary>
internal static class OpenMpSpinTuning
{
    /// <summary>The value set for <c>GOMP_SPINCOUNT</c> (tens of microseconds of spinning).</summary>
    public const string SpinCount = "1000";

    /// <summary>Whether this process's <c>GOMP_SPINCOUNT</c> was set by the library.</summary>
    public static bool Applied { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libgomp reads its settings once, when libtorch loads; this is the only point that reliably precedes it.")]
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("SUBSPACES_KEEP_OPENMP_SPIN") == "1") return;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        try
        {
            // Environment.SetEnvironmentVariable changes only .NET's copy on Unix; libgomp reads the C library's.
            Applied = setenv("GOMP_SPINCOUNT", SpinCount, 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: leave the default.
        }
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
