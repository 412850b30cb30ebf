using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Tests.Curves;

public sealed class CurveShapeTests
{
    [Theory]
    [InlineData(0.0, 1.0, 0.0, 0.0)]
    [InlineData(0.25, 0.5625, 0.375, 0.0625)]
    [InlineData(0.5, 0.25, 0.5, 0.25)]
    [InlineData(1.0, 0.0, 0.0, 1.0)]
    public void BezierCoefficientsAreTheBernsteinPolynomials(double a, double c0, double c1, double c2)
    {
        var c = CurveKind.Bezier.Shape().Coefficients(new[] { a });
        Assert.Equal(new[] { c0, c1, c2 }, c, new ToleranceComparer(1e-12));
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.0, 0.0)]
    [InlineData(0.25, 0.5, 0.5, 0.0)]
    [InlineData(0.5, 0.0, 1.0, 0.0)]
    [InlineData(0.75, 0.0, 0.5, 0.5)]
    [InlineData(1.0, 0.0, 0.0, 1.0)]
    public void PolygonalChainCoefficientsAreHatFunctions(double a, double c0, double c1, double c2)
    {
        var c = CurveKind.PolygonalChain.Shape().Coefficients(new[] { a });
        Assert.Equal(new[] { c0, c1, c2 }, c, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void PolygonalChainMatchesTheGeneralHatFormulaAndSumsToOne()
    {
        Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), i =>
        {
            double t = i / 1_000_000.0;
            var c = PolygonalChain.Instance.Coefficients(new[] { t });
            for (int j = 0; j < 3; j++)
                if (Math.Abs(c[j] - Math.Max(0, 1 - Math.Abs(t * 2 - j))) > 1e-12) return false;
            return Math.Abs(c.Sum() - 1) < 1e-12 && c.All(v => v >= 0);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ChainShapeRoundTripsThroughItsName()
    {
        Assert.Same(PolygonalChain.Instance, SubspaceShape.FromName("chain"));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolygonalChain.Instance.Coefficients(new[] { 1.5 }));
    }

    [Fact]
    public void CurveScheduleHoldsThenFallsLinearlyToOnePercent()
    {
        var s = new HoldThenLinearDecaySchedule(0.1, 0.001);
        Assert.Equal(0.1, s.At(0, 100), 12);
        Assert.Equal(0.1, s.At(50, 100), 12);
        Assert.Equal(0.1 + (0.001 - 0.1) * 0.5, s.At(70, 100), 12); // halfway through the decay (t = 0.7)
        Assert.Equal(0.001, s.At(90, 100), 12);
        Assert.Equal(0.001, s.At(99, 100), 12);
    }

    [Fact]
    public void SwaScheduleReachesTheSwaRateBeforeTheHorizonAndStaysThere()
    {
        var s = new HoldThenLinearDecaySchedule(0.05, 0.01, horizonSteps: 10);
        Assert.Equal(0.05, s.At(5, 1000), 12);
        Assert.Equal(0.03, s.At(7, 1000), 12);
        Assert.Equal(0.01, s.At(9, 1000), 12);
        Assert.Equal(0.01, s.At(500, 1000), 12);
    }

    [Fact]
    public void CyclicLearningRateAtKnownIterations()
    {
        var s = new CyclicLearningRate(0.1, 0.01, cycleSteps: 4);
        double[] expected = { 0.1, 0.055, 0.01, 0.055, 0.1, 0.055, 0.01, 0.055, 0.1 };
        for (int step = 0; step < expected.Length; step++) Assert.Equal(expected[step], s.At(step, 100), 12);
        Assert.True(s.IsLowPoint(2));
        Assert.True(s.IsLowPoint(6));
        Assert.False(s.IsLowPoint(4));
        Assert.False(s.IsLowPoint(0));
        Assert.Equal(10, s.StepsForSnapshots(3)); // low points after steps 2, 6, 10

        // Cycle of 2 epochs x 5 batches: the reference's t = (epoch % cycle + i / batches) / cycle.
        var r = new CyclicLearningRate(0.05, 5e-4, cycleSteps: 10);
        for (int epoch = 0; epoch < 4; epoch++)
            for (int i = 0; i < 5; i++)
            {
                double t = (epoch % 2 + i / 5.0) / 2;
                double reference = t < 0.5 ? 0.05 * (1 - 2 * t) + 5e-4 * 2 * t : 0.05 * (2 * t - 1) + 5e-4 * (2 - 2 * t);
                Assert.Equal(reference, r.At(epoch * 5 + i, 100), 12);
            }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(1)]
    public void CyclicLearningRateNeedsAnEvenCycle(int steps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLearningRate(0.1, 0.01, steps));

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
