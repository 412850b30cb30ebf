using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Benchmarks;

/// <summary>The shared MNIST split as keyed ML.NET data, and the trainers the benchmarks compare.</summary>
internal sealed class BenchmarkData
{
    public BenchmarkData(int seed = 0, int trainRows = 8000)
    {
        Context = new MLContext(seed);
        var (train, test) = DigitDatasets.MnistSplit();
        Train = train.Slice(0, trainRows);
        Test = test;
        (TrainData, TestData) = Context.ToKeyedDataViews(Train, test);
    }

    public MLContext Context { get; }
    public DigitSet Train { get; }
    public DigitSet Test { get; }
    public IDataView TrainData { get; }
    public IDataView TestData { get; }

    /// <summary>The models of the throughput table, by name.</summary>
    public static readonly string[] Models = { "Standard", "Line", "Line (layer-wise)", "Curve", "Simplex(3)" };

    public SubspaceTrainer Trainer(string model, int epochs, int vertices = 3) => model switch
    {
        "Standard" => Context.Subspaces().Trainers.Standard(new StandardTrainerOptions { Epochs = epochs }),
        "Line" => Context.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = epochs }),
        "Line (layer-wise)" => Context.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = epochs, LayerWise = true }),
        "Curve" => Context.Subspaces().Trainers.Curve(new CurveTrainerOptions { Epochs = epochs }),
        "Simplex(3)" or "Simplex" => Context.Subspaces().Trainers.Simplex(new SimplexTrainerOptions { Epochs = epochs, Vertices = vertices }),
        _ => throw new ArgumentException($"Unknown model '{model}'."),
    };
}
