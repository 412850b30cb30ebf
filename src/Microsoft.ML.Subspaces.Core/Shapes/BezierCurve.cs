namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// A Bezier curve of networks with k bends (control points), a in [0, 1]: <c>w(a) = sum_j C(k+1, j) a^j (1-a)^(k+1-j) w_j</c>
/// over the points (w0, the bends, w1). One bend (<see cref="Instance"/>) is the quadratic curve
/// <c>(1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c>; Garipov et al. (2018) call it a curve of 3 points, and compare it with 5.
/// Point order is (w0, bends..., w1): the control points sit between the ends.
/// </summary>
public sealed class BezierCurve : SubspaceShape
{
    private readonly double[] _binomials;

    // One instance per number of bends, so that shapes compare by reference as the other shapes' single instances do.
    private static readonly BezierCurve[] ByBends = Enumerable.Range(0, MaxBends + 1).Select(k => new BezierCurve(Math.Max(k, 1))).ToArray();

    /// <summary>The quadratic curve, one bend.</summary>
    public static BezierCurve Instance => ByBends[1];

    private BezierCurve(int bends)
    {
        Bends = bends;
        int n = bends + 1;
        _binomials = new double[n + 1];
        _binomials[0] = 1;
        for (int j = 1; j <= n; j++) _binomials[j] = _binomials[j - 1] * (n - j + 1) / j;
    }

    /// <summary>A Bezier curve with <paramref name="bends"/> control points between its ends (1 to 16).</summary>
    public static BezierCurve WithBends(int bends) =>
        bends is >= 1 and <= MaxBends ? ByBends[bends]
        : throw new ArgumentOutOfRangeException(nameof(bends), bends, $"A curve has 1 to {MaxBends} bends.");

    internal const int MaxBends = 16;

    /// <summary>Control points between the two ends.</summary>
    public int Bends { get; }

    /// <inheritdoc/>
    public override int PointCount => Bends + 2;
    /// <inheritdoc/>
    public override int PositionLength => 1;
    /// <inheritdoc/>
    public override string Name => Bends == 1 ? "curve" : $"curve{Bends}";
    /// <inheritdoc/>
    public override double[] Center => new[] { 0.5 };
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { new[] { 0.0 }, new[] { 1.0 } };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position)
    {
        double a = position[0];
        int n = Bends + 1;
        var c = new double[n + 1];
        for (int j = 0; j <= n; j++) c[j] = _binomials[j] * Math.Pow(a, j) * Math.Pow(1 - a, n - j);
        return c;
    }

    /// <inheritdoc/>
    public override double[] Sample(Random random) => new[] { random.NextDouble() };

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position) => ValidateScalar(position, Name);
}
