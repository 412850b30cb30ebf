using Mono.Cecil;
using Mono.Cecil.Cil;
using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// TorchSharp frees a <see cref="Scalar"/> in its finalizer, and a Scalar made implicitly from a number (x.add_(y, alpha: 0.5),
/// x * 2, x.square()) is unreachable once its handle is read: a garbage collection during the native call lets the finalizer
/// free it while libtorch reads it ("Expected false to be true ... toDouble at Scalar.h"). The library passes no such
/// Scalar: <see cref="HeldScalars"/> holds each until its call returns.
/// </summary>
public class TransientScalarTests
{
    [Fact]
    public void LibraryPassesNoTransientScalarToTorchSharp()
    {
        var risky = TorchSharpMethodsMakingTransientScalars();
        // The scan sees TorchSharp's own transient Scalars: the plain overloads the library used to call are among them.
        Assert.Contains(risky, m => m.Contains("Tensor::add_(TorchSharp.torch/Tensor)", StringComparison.Ordinal));
        Assert.Contains(risky, m => m.Contains("Tensor::square()", StringComparison.Ordinal));
        Assert.Contains(risky, m => m.Contains("op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", StringComparison.Ordinal));

        var sites = new List<string>();
        foreach (var path in new[] { typeof(SubspaceShape).Assembly.Location, typeof(SubspaceTransformer).Assembly.Location })
        {
            using var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { ReadSymbols = true });
            foreach (var type in assembly.MainModule.GetTypes())
                foreach (var method in type.Methods.Where(m => m.HasBody))
                    foreach (var instruction in method.Body.Instructions)
                        if (instruction.Operand is MethodReference callee && (MakesScalar(callee) || ScalarAsTensor(callee) || risky.Contains(Key(callee))))
                            sites.Add($"{Where(method, instruction)} {type.Name}.{method.Name} calls {callee.DeclaringType.Name}.{callee.Name}");
        }
        Assert.True(sites.Count == 0, "Transient Scalars passed to TorchSharp (use HeldScalars):\n" + string.Join("\n", sites.Distinct()));
    }

    [Fact]
    public void HeldScalarsSurviveGarbageCollectionsDuringNativeCalls()
    {
        // Without HeldScalars, x.add_(y, alpha: 0.5) under this load failed within a second (tensors of 64 and 100,000 floats).
        using var x = zeros(100_000);
        using var y = ones(100_000);
        var stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                for (int i = 0; i < 1000; i++) GC.KeepAlive((Scalar)1.5);
                GC.Collect();
            }
        });
        collector.Start();
        long calls = 0;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // At least 3 seconds and, on a loaded machine where the collector thread's blocking collections leave this one
            // little time, until enough calls have run under them (at most a minute).
            while (clock.Elapsed.TotalSeconds < 3 || (calls <= 100 && clock.Elapsed.TotalSeconds < 60))
            {
                x.AddScaled_(y, 0.5);
                x.Plus_(y).Times_(0.5);
                calls++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        Assert.True(calls > 100, $"only {calls} calls");
        // x_{n+1} = (x_n + 1.5) / 2 converges to 1.5.
        Assert.Equal(1.5f, x[0].item<float>(), 3);
    }

    static bool MakesScalar(MethodReference m) => m.Name == "op_Implicit" && m.ReturnType.FullName == "TorchSharp.Scalar";

    /// <summary>TorchSharp's Scalar-to-Tensor conversion only throws: a held Scalar passed where a Tensor is expected.</summary>
    static bool ScalarAsTensor(MethodReference m) =>
        m.Name == "op_Implicit" && m.Parameters.Count == 1 && m.Parameters[0].ParameterType.FullName == "TorchSharp.Scalar";

    static string Key(MethodReference m) => (m is GenericInstanceMethod g ? g.ElementMethod : m).FullName;

    /// <summary>TorchSharp's methods that make a Scalar from a number, or call one that does (transitively).</summary>
    static HashSet<string> TorchSharpMethodsMakingTransientScalars()
    {
        using var torchSharp = AssemblyDefinition.ReadAssembly(typeof(Scalar).Assembly.Location);
        var callers = new Dictionary<string, List<string>>();
        var risky = new HashSet<string>();
        var work = new Queue<string>();
        foreach (var type in torchSharp.MainModule.GetTypes())
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                string key = method.FullName;
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference callee) continue;
                    if (MakesScalar(callee)) { if (risky.Add(key)) work.Enqueue(key); }
                    else
                    {
                        var calleeKey = Key(callee);
                        if (!callers.TryGetValue(calleeKey, out var list)) callers[calleeKey] = list = new List<string>();
                        list.Add(key);
                    }
                }
            }
        while (work.Count > 0)
            foreach (var caller in callers.GetValueOrDefault(work.Dequeue()) ?? new List<string>())
                if (risky.Add(caller)) work.Enqueue(caller);
        return risky;
    }

    static string Where(MethodDefinition method, Instruction instruction)
    {
        var point = method.DebugInformation.SequencePoints.LastOrDefault(p => p.Offset <= instruction.Offset && !p.IsHidden);
        return point is null ? "?" : $"{Path.GetFileName(point.Document.Url)}:{point.StartLine}";
    }
}
