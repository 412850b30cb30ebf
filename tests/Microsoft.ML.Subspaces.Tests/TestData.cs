using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Transforms;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>One optdigits row as the tests feed it to ML.NET (64 features in [0, 1], the digit as UInt32).</summary>
public sealed class DigitRow
{
    public uint Label { get; set; }

    [VectorType(64)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

/// <summary>What a fitted pipeline MapValueToKey -> trainer -> MapKeyToValue("PredictedLabel") outputs.</summary>
public sealed class DigitPrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();
    public uint PredictedLabel { get; set; }
}

/// <summary>The shared optdigits data (read once per test process) and small helpers around it.</summary>
internal static class TestData
{
    private static readonly Lazy<DigitSet> _train = new(() => DigitDatasets.Optdigits("tra"));
    private static readonly Lazy<DigitSet> _test = new(() => DigitDatasets.Optdigits("tes"));

    /// <summary>optdigits.tra: 3,823 rows.</summary>
    public static DigitSet OptdigitsTrain => _train.Value;

    /// <summary>optdigits.tes: 1,797 rows.</summary>
    public static DigitSet OptdigitsTest => _test.Value;

    /// <summary>Rows [start, start + count) of a set as objects.</summary>
    public static List<DigitRow> Rows(DigitSet set, int start, int count) =>
        Enumerable.Range(start, count).Select(i => new DigitRow
        {
            Label = (uint)set.Labels[i],
            Features = set.Features.AsSpan(i * set.FeatureSize, set.FeatureSize).ToArray(),
        }).ToList();

    /// <summary>Rows [start, start + count) of a set as a data view.</summary>
    public static IDataView View(MLContext ml, DigitSet set, int start, int count) =>
        ml.Data.LoadFromEnumerable(Rows(set, start, count));

    /// <summary>Label -> key, ordered by value so that key k is digit k - 1 whatever the row order.</summary>
    public static ValueToKeyMappingEstimator MapLabelToKey(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);

    /// <summary>Data whose Label went through <see cref="MapLabelToKey"/> (fitted on that data).</summary>
    public static IDataView Keyed(MLContext ml, IDataView raw) => MapLabelToKey(ml).Fit(raw).Transform(raw);

    /// <summary>Options of a small, fast line model.</summary>
    public static LineTrainerOptions SmallLine(int epochs = 4, int hidden = 32) => new()
    {
        HiddenLayers = new[] { hidden },
        Epochs = epochs,
        BatchSize = 64,
        Device = "cpu",
    };

    /// <summary>The Score column of a data view, one array per row.</summary>
    public static float[][] Scores(IDataView scored, string column = "Score") =>
        scored.GetColumn<float[]>(column).ToArray();

    /// <summary>The subspace transformer inside a fitted chain.</summary>
    public static SubspaceTransformer Subspace(ITransformer model) => AllSubspaces(model).Single();

    internal static IEnumerable<SubspaceTransformer> AllSubspaces(ITransformer model) => model switch
    {
        SubspaceTransformer s => new[] { s },
        IEnumerable<ITransformer> chain => chain.SelectMany(AllSubspaces),
        _ => Enumerable.Empty<SubspaceTransformer>(),
    };

    /// <summary>The same chain with its subspace transformer replaced (the replacement is what WithPoint etc. return).</summary>
    public static TransformerChain<ITransformer> Replace(IEnumerable<ITransformer> chain, SubspaceTransformer replacement) =>
        new(chain.Select(t => t is SubspaceTransformer ? replacement : t).ToArray());

    /// <summary>
    /// The SchemaShape of a DataViewSchema. ML.NET 5 keeps <c>SchemaShape.Create</c> internal (an estimator's
    /// GetOutputSchema has no other public input), so the tests reach it by reflection.
    /// </summary>
    public static SchemaShape ShapeOf(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
            new[] { typeof(DataViewSchema) }) ?? throw new MissingMethodException("SchemaShape.Create(DataViewSchema) not found in this ML.NET version.");
        return (SchemaShape)create.Invoke(null, new object[] { schema })!;
    }

    /// <summary>Asserts two float arrays are equal within an absolute tolerance, naming the first difference.</summary>
    public static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tolerance}).");
    }

    /// <summary>Asserts two doubles are equal within a relative tolerance (absolute near zero).</summary>
    public static void AssertRelative(double expected, double actual, double relative, string what, double absoluteFloor = 1e-12)
    {
        double scale = Math.Max(Math.Abs(expected), Math.Abs(actual));
        if (!(Math.Abs(expected - actual) <= Math.Max(relative * scale, absoluteFloor)))
            Assert.Fail($"{what}: got {actual:R}, expected {expected:R} (relative tolerance {relative}).");
    }
}

/// <summary>
/// A small line model on 600 optdigits training rows, fitted once per test class that uses it, as the
/// pipeline MapValueToKey("Label") -> Line -> MapKeyToValue("PredictedLabel").
/// </summary>
public sealed class SmallLineFixture : IDisposable
{
    public SmallLineFixture()
    {
        Context = new MLContext(seed: 1);
        TrainRows = TestData.Rows(TestData.OptdigitsTrain, 0, 600);
        TestRows = TestData.Rows(TestData.OptdigitsTest, 0, 300);
        Train = Context.Data.LoadFromEnumerable(TrainRows);
        Test = Context.Data.LoadFromEnumerable(TestRows);
        Pipeline = TestData.MapLabelToKey(Context)
            .Append(Context.Subspaces().Trainers.Line(TestData.SmallLine()))
            .Append(Context.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        Model = new TransformerChain<ITransformer>(((IEnumerable<ITransformer>)Pipeline.Fit(Train)).ToArray());
        Line = TestData.Subspace(Model);
    }

    public MLContext Context { get; }
    public List<DigitRow> TrainRows { get; }
    public List<DigitRow> TestRows { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public IEstimator<ITransformer> Pipeline { get; }
    public TransformerChain<ITransformer> Model { get; }
    public SubspaceTransformer Line { get; }

    public void Dispose() => Model.Dispose();
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class Collect<T>(Action<T>? onReport = null) : IProgress<T>
{
    public List<T> Items { get; } = new();

    public void Report(T value)
    {
        Items.Add(value);
        onReport?.Invoke(value);
    }
}
