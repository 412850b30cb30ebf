using System.Runtime.InteropServices;
using Microsoft.ML.Subspaces.Runtime;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Loading the library leaves the process environment alone; the explicit call shortens libgomp's spin (GOMP_SPINCOUNT)
/// in the C library's environment, the one libgomp reads, and leaves a value the user set alone.
/// </summary>
public class OpenMpSpinTuningTests
{
    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr NativeGetEnv(string name);

    private static string? Native(string name) => Marshal.PtrToStringAnsi(NativeGetEnv(name));

    [Fact]
    public void SpinCountIsSetOnlyWhenAskedAndUnlessTheUserChoseOne()
    {
        bool userChose = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null
                         || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null
                         || Environment.GetEnvironmentVariable("SUBSPACES_KEEP_OPENMP_SPIN") == "1";
        // The library has been loaded and used by now (other tests); unless something called Apply, nothing was set.
        if (!userChose && !OpenMpSpinTuning.Applied) Assert.Null(Native("GOMP_SPINCOUNT"));
        bool applied = OpenMpSpinTuning.Apply();
        Assert.Equal(!userChose, applied);
        if (userChose)
            Assert.Equal(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"), Native("GOMP_SPINCOUNT"));
        else
        {
            Assert.True(OpenMpSpinTuning.Applied);
            Assert.Equal(OpenMpSpinTuning.SpinCount, Native("GOMP_SPINCOUNT"));
        }
    }
}
