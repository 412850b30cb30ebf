using System.Runtime.CompilerServices;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// One libtorch intra-op thread for the whole test assembly (and for <see cref="ScoringTool"/>, which runs in
/// it). xUnit already runs test classes in parallel on this 2-core machine; libtorch's OpenMP workers on top of
/// that oversubscribe the cores, and under load spin-waiting made a 20-epoch fit take a minute instead of a few
/// seconds. A fixed thread count also keeps results comparable bitwise between the test process and the
/// fresh process of PersistenceTests.
/// </summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void Initialize() => TorchSharp.torch.set_num_threads(1);
}
