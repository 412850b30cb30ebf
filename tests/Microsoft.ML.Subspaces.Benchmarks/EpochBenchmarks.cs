using BenchmarkDotNet.Attributes;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>BenchmarkDotNet: one training epoch of each model, and batch inference at the midpoint.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class EpochBenchmarks
{
    private BenchmarkData _data = null!;
    private SubspaceTransformer _standard = null!, _line = null!;

    [Params("Standard", "Line", "Line (layer-wise)", "Curve", "Simplex(3)")]
    public string Model { get; set; } = "Standard";

    [GlobalSetup]
    public void Setup()
    {
        _data = new BenchmarkData();
        _standard = _data.Trainer("Standard", 1).Fit(_data.TrainData);
        _line = _data.Trainer("Line", 1).Fit(_data.TrainData);
    }

    [Benchmark(Description = "train one epoch (8,000 rows)")]
    public SubspaceTransformer TrainOneEpoch()
    {
        using var model = _data.Trainer(Model, 1).Fit(_data.TrainData);
        return model;
    }

    [Benchmark(Description = "Transform + Evaluate 2,000 rows at the midpoint")]
    public double InferMidpoint() =>
        _data.Context.MulticlassClassification.Evaluate((Model == "Standard" ? _standard : _line).Transform(_data.TestData)).MicroAccuracy;
}
