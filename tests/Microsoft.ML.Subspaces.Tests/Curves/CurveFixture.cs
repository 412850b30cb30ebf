using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Transforms;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests.Curves;

/// <summary>
/// Small real data (the first 600 optdigits training rows, 300 test rows, 64 features) and two standard MLPs
/// (64-16-10, 4 epochs, different seeds) shared by the tests of this collection.
/// </summary>
public sealed class CurveFixture : IDisposable
{
    public const int Hidden = 16;
    public const int BatchSize = 32;

    public CurveFixture()
    {
        Ml = new MLContext(seed: 11);
        var train = DigitDatasets.Optdigits("tra").Slice(0, 600);
        var test = DigitDatasets.Optdigits("tes").Slice(0, 300);
        var keys = Ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(Ml.ToDataView(train));
        Train = keys.Transform(Ml.ToDataView(train));
        Test = keys.Transform(Ml.ToDataView(test));
        TestFeatures = test.Features;
        TestLabels = test.Labels;
        A = Standard(seed: 1);
        B = Standard(seed: 2);
    }

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public float[] TestFeatures { get; }
    public int[] TestLabels { get; }
    public SubspaceTransformer A { get; }
    public SubspaceTransformer B { get; }

    public SubspaceTransformer Standard(int seed, int[]? hidden = null, int epochs = 4, IDataView? data = null) =>
        Ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = hidden ?? new[] { Hidden }, Epochs = epochs, Seed = seed, BatchSize = BatchSize })
            .Fit(data ?? Train);

    public ConnectCurveOptions CurveOptions(int epochs = 3) => new() { Epochs = epochs, Seed = 5, LearningRate = 0.05, BatchSize = BatchSize };

    /// <summary>Every point of every parameter of a network, copied to managed arrays: [parameter][point][values].</summary>
    internal static float[][][] Points(SubspaceNetwork network) =>
        network.SubspaceParameters.Select(p =>
            Enumerable.Range(0, p.PointCount).Select(i => p.Points[i].detach().cpu().contiguous().data<float>().ToArray()).ToArray()).ToArray();

    /// <summary>
    /// Equal probabilities up to float rounding: networks with bit-identical weights in different allocations can
    /// differ in the last bit (BLAS picks kernels by alignment).
    /// </summary>
    public static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-6f)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"probabilities differ by up to {worst}");
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

[CollectionDefinition("Curves")]
public sealed class CurveCollection : ICollectionFixture<CurveFixture>
{
}
