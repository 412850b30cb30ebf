using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.Transforms;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests.Curves;

[Collection("Curves")]
public sealed class ConnectCurveTests(CurveFixture f)
{
    [Theory]
    [InlineData(CurveKind.Bezier)]
    [InlineData(CurveKind.PolygonalChain)]
    public void EndsStayBitwiseFixedAndTheBendMoves(CurveKind kind)
    {
        var options = f.CurveOptions();
        options.Kind = kind;
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, options).Fit(f.Train);
        Assert.Equal(kind.Shape(), curve.Shape);
        var points = CurveFixture.Points(curve.Weights.Network);
        var a = CurveFixture.Points(f.A.Weights.Network);
        var b = CurveFixture.Points(f.B.Weights.Network);
        bool bendMoved = false;
        for (int p = 0; p < points.Length; p++)
        {
            Assert.Equal(a[p][0], points[p][0]); // exact float equality, element by element
            Assert.Equal(b[p][0], points[p][2]);
            for (int i = 0; i < points[p][1].Length; i++)
                if (Math.Abs(points[p][1][i] - 0.5f * (a[p][0][i] + b[p][0][i])) > 1e-4f) bendMoved = true;
        }
        Assert.True(bendMoved, "training did not move the bend away from the midpoint");
        Assert.Equal(3, curve.TrainingHistory.Count);
    }

    [Theory]
    [InlineData(CurveKind.Bezier)]
    [InlineData(CurveKind.PolygonalChain)]
    public void ThreeBendsAllMoveWhileTheEndsStayFixedAndTheCurveSavesAndLoads(CurveKind kind)
    {
        var options = f.CurveOptions(epochs: 2);
        options.Kind = kind;
        options.Bends = 3;
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, options).Fit(f.Train);
        Assert.Equal(5, curve.Shape.PointCount);
        var points = CurveFixture.Points(curve.Weights.Network);
        var a = CurveFixture.Points(f.A.Weights.Network);
        var b = CurveFixture.Points(f.B.Weights.Network);
        var moved = new bool[3];
        for (int p = 0; p < points.Length; p++)
        {
            Assert.Equal(a[p][0], points[p][0]);
            Assert.Equal(b[p][0], points[p][4]);
            for (int j = 1; j <= 3; j++)
                for (int i = 0; i < points[p][j].Length; i++)
                    if (Math.Abs(points[p][j][i] - ((1 - j / 4f) * a[p][0][i] + j / 4f * b[p][0][i])) > 1e-4f) moved[j - 1] = true;
        }
        Assert.All(moved, m => Assert.True(m, "a bend did not move from its start on the segment"));

        string path = Path.Combine(Path.GetTempPath(), $"curve3-{Guid.NewGuid():N}.zip");
        try
        {
            f.Ml.Subspaces().Model.Save(curve, f.Test.Schema, path);
            var loaded = f.Ml.Subspaces().Model.Load(path, out _);
            try
            {
                using var original = curve.WithPoint(0.3);
                var expected = original.Transform(f.Test).GetColumn<float[]>("Score").ToArray();
                var loadedCurve = Assert.IsType<SubspaceTransformer>(loaded);
                Assert.Equal(curve.Shape, loadedCurve.Shape);
                using var at = loadedCurve.WithPoint(0.3);
                Assert.Equal(expected, at.Transform(f.Test).GetColumn<float[]>("Score").ToArray());
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(CurveKind.Bezier)]
    [InlineData(CurveKind.PolygonalChain)]
    public void PredictsExactlyAsTheTwoModelsAtItsEnds(CurveKind kind)
    {
        var options = f.CurveOptions(epochs: 2);
        options.Kind = kind;
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, options).Fit(f.Train);
        using var at0 = curve.WithPoint(0.0);
        using var at1 = curve.WithPoint(1.0);
        using var mid = curve.WithPoint(0.5);
        // The networks that predict at a = 0 and a = 1 are the two models' networks, bit for bit...
        Assert.Equal(CurveFixture.Points(f.A.Weights.Network), curve.Weights.UseAt(curve.Shape.Coefficients(new[] { 0.0 }), CurveFixture.Points));
        Assert.Equal(CurveFixture.Points(f.B.Weights.Network), curve.Weights.UseAt(curve.Shape.Coefficients(new[] { 1.0 }), CurveFixture.Points));
        // ...so they predict the same probabilities (up to BLAS rounding of the last bit) and the same labels.
        CurveFixture.AssertClose(f.A.PredictProbabilities(f.TestFeatures), at0.PredictProbabilities(f.TestFeatures));
        CurveFixture.AssertClose(f.B.PredictProbabilities(f.TestFeatures), at1.PredictProbabilities(f.TestFeatures));
        Assert.Equal(f.A.Transform(f.Test).GetColumn<uint>("PredictedLabel"), at0.Transform(f.Test).GetColumn<uint>("PredictedLabel"));
        Assert.Equal(f.B.Transform(f.Test).GetColumn<uint>("PredictedLabel"), at1.Transform(f.Test).GetColumn<uint>("PredictedLabel"));
        var midDifference = f.A.PredictProbabilities(f.TestFeatures).Zip(mid.PredictProbabilities(f.TestFeatures)).Max(z => Math.Abs(z.First - z.Second));
        Assert.True(midDifference > 1e-3, "the curve's midpoint predicts like its start");

        // Ensembles and path evaluation work on the result like on any subspace.
        using var ends = curve.WithEnsemble(SubspaceEnsemble.Endpoints);
        var pa = f.A.PredictProbabilities(f.TestFeatures);
        var pb = f.B.PredictProbabilities(f.TestFeatures);
        var pe = ends.PredictProbabilities(f.TestFeatures);
        for (int i = 0; i < pe.Length; i++) Assert.Equal((pa[i] + pb[i]) / 2, pe[i], 1e-6f);
        var path = f.Ml.Subspaces().EvaluatePath(curve, f.Test, points: 5);
        Assert.Equal(5, path.Points.Count);
        Assert.Equal(f.Ml.Subspaces().Evaluate(f.A.Transform(f.Test)).Accuracy, path.Start.Accuracy, 12);
    }

    [Fact]
    public void TheCurveLowersTheTrainingLossAtItsMiddleComparedWithTheSegment()
    {
        using var segment = f.Ml.Subspaces().Segment(f.A, f.B);
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, f.CurveOptions(epochs: 6)).Fit(f.Train);
        double segmentLoss = f.Ml.Subspaces().Evaluate(segment.WithPoint(0.5).Transform(f.Train)).LogLoss;
        double curveLoss = f.Ml.Subspaces().Evaluate(curve.WithPoint(0.5).Transform(f.Train)).LogLoss;
        Assert.True(curveLoss < segmentLoss, $"curve midpoint training log-loss {curveLoss} is not below the segment's {segmentLoss}");
    }

    [Fact]
    public void AcceptsASubspaceModelAtOnePointAsAnEnd()
    {
        using var line = f.Ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { CurveFixture.Hidden }, Epochs = 2, Seed = 3, BatchSize = CurveFixture.BatchSize }).Fit(f.Train);
        using var end = line.WithPoint(0.3);
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, end, f.CurveOptions(epochs: 1)).Fit(f.Train);
        using var at1 = curve.WithPoint(1.0);
        var expected = end.PredictProbabilities(f.TestFeatures);
        var actual = at1.PredictProbabilities(f.TestFeatures);
        CurveFixture.AssertClose(expected, actual);
    }

    [Fact]
    public void MismatchedArchitecturesAreAClearError()
    {
        using var other = f.Standard(seed: 3, hidden: new[] { 8 }, epochs: 1);
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Trainers.ConnectCurve(f.A, other));
        Assert.Contains("64-8-10", e.Message);
        Assert.Contains("64-16-10", e.Message);
        Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Segment(f.A, other));
    }

    [Fact]
    public void MismatchedClassCountsAreAClearError()
    {
        using var fiveClasses = FiveClassModel(f);
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Trainers.ConnectCurve(f.A, fiveClasses));
        Assert.Contains("5 classes", e.Message);
        Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Segment(fiveClasses, f.A));
    }

    [Fact]
    public void AnEnsembleOfPointsIsNotAnEnd()
    {
        using var line = f.Ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { CurveFixture.Hidden }, Epochs = 1, Seed = 3 }).Fit(f.Train);
        using var ends = line.WithEnsemble(SubspaceEnsemble.Endpoints);
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Trainers.ConnectCurve(f.A, ends));
        Assert.Contains("ensemble of 2 points", e.Message);
    }

    [Fact]
    public void TrainingDataWithAnotherClassCountIsRejected()
    {
        var trainer = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, f.CurveOptions(epochs: 1));
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(FiveClassData(f)));
        Assert.Contains("5 classes", e.Message);
    }

    [Fact]
    public void SegmentIsTheStraightLineBetweenTheTwoNetworks()
    {
        using var segment = f.Ml.Subspaces().Segment(f.A, f.B);
        Assert.IsType<LineSubspace>(segment.Shape);
        using var at0 = segment.AtPoint(0);
        CurveFixture.AssertClose(f.A.PredictProbabilities(f.TestFeatures), at0.PredictProbabilities(f.TestFeatures));
        using var at1 = segment.AtPoint(1);
        CurveFixture.AssertClose(f.B.PredictProbabilities(f.TestFeatures), at1.PredictProbabilities(f.TestFeatures));
        Assert.Equal(CurveFixture.Points(f.A.Weights.Network), segment.Weights.UseAt(new[] { 1.0, 0.0 }, CurveFixture.Points));
        using var mid = segment.WithPoint(0.5);
        var m = mid.Weights.UseAt(mid.Shape.Coefficients(new[] { 0.5 }), CurveFixture.Points);
        var a = CurveFixture.Points(f.A.Weights.Network);
        var b = CurveFixture.Points(f.B.Weights.Network);
        for (int p = 0; p < m.Length; p++)
            for (int i = 0; i < m[p][0].Length; i++)
                Assert.Equal(0.5f * (a[p][0][i] + b[p][0][i]), m[p][0][i], 1e-6f);
        var path = f.Ml.Subspaces().EvaluatePath(segment, f.Test, points: 3);
        Assert.Equal(new[] { 0.0, 0.5, 1.0 }, path.Points.Select(p => p.T));
    }

    internal static IDataView FiveClassData(CurveFixture f)
    {
        var train = DigitDatasets.Optdigits("tra").Slice(0, 600);
        var keep = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] < 5).ToArray();
        var subset = new DigitSet(keep.SelectMany(i => train.Features.AsSpan(i * 64, 64).ToArray()).ToArray(), keep.Select(i => train.Labels[i]).ToArray(), 64);
        var view = f.Ml.ToDataView(subset);
        return f.Ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(view).Transform(view);
    }

    internal static SubspaceTransformer FiveClassModel(CurveFixture f) => f.Standard(seed: 4, epochs: 1, data: FiveClassData(f));
}
