namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// A polygonal chain of networks with k bends, <c>w0 -> b1 -> ... -> bk -> w1</c>, a in [0, 1], the bends at
/// a = j / (k + 1). The coefficients are the hat functions <c>max(0, 1 - |a(n-1) - j|)</c> of Garipov et al. (2018)
/// over the n = k + 2 points; with one bend (<see cref="Instance"/>):
/// <c>(max(0, 1 - 2a), 1 - |2a - 1|, max(0, 2a - 1))</c>. Point order is (w0, bends..., w1), as for <see cref="BezierCurve"/>.
/// </summary>
public sealed class PolygonalChain : SubspaceShape
{
    private static readonly PolygonalChain[] ByBends = Enumerable.Range(0, BezierCurve.MaxBends + 1).Select(k => new PolygonalChain(Math.Max(k, 1))).ToArray();

    /// <summary>The chain with one bend.</summary>
    public static PolygonalChain Instance => ByBends[1];
    private PolygonalChain(int bends) => Bends = bends;

    /// <summary>A polygonal chain with <paramref name="bends"/> bends (1 to 16).</summary>
    public static PolygonalChain WithBends(int bends) =>
        bends is >= 1 and <= BezierCurve.MaxBends ? ByBends[bends]
        : throw new ArgumentOutOfRangeException(nameof(bends), bends, $"A chain has 1 to {BezierCurve.MaxBends} bends.");

    /// <summary>Bends between the two ends.</summary>
    public int Bends { get; }

    /// <inheritdoc/>
    public override int PointCount => Bends + 2;
    /// <inheritdoc/>
    public override int PositionLength => 1;
    /// <inheritdoc/>
    public override string Name => Bends == 1 ? "chain" : $"chain{Bends}";
    /// <inheritdoc/>
    public override double[] Center => new[] { 0.5 };
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { new[] { 0.0 }, new[] { 1.0 } };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position)
    {
        double x = position[0] * (Bends + 1);
        var c = new double[Bends + 2];
        for (int j = 0; j < c.Length; j++) c[j] = Math.Max(0, 1 - Math.Abs(x - j));
        return c;
    }

    /// <inheritdoc/>
    public override double[] Sample(Random random) => new[] { random.NextDouble() };

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position) => ValidateScalar(position, Name);
}
