using BenchmarkDotNet.Running;
using Microsoft.ML.Subspaces.Benchmarks;

// dotnet run -c Release --project tests/Microsoft.ML.Subspaces.Benchmarks -- --quick [--torch] [--epochs N]
//   --quick   one run, one table: throughput, data loading, inference, latency, memory, FLOP ceiling, scaling
//   --torch   also run ../shared/anchors/torch_subspace_mnist.py (Debian's python3-torch) and compare
//   --scale   a synthetic 4M x 100 regression set trained in memory: peak resident memory against the feature bytes
//   --reliability   memory over point copies and sampled ensembles, mutated model files, engines disposed while others predict
// Without --quick: BenchmarkDotNet (pass its usual arguments, e.g. --filter '*').
Microsoft.ML.Subspaces.Runtime.OpenMpSpinTuning.Apply(); // before TorchSharp loads, as the samples do
if (args.Contains("--scale"))
    return ScaleBenchmark.Run(args);
if (args.Contains("--reliability"))
    return ReliabilitySoak.Run(args);
if (args.Contains("--quick") || args.Contains("--torch"))
    return QuickBenchmark.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(QuickBenchmark).Assembly).Run(args);
return 0;
