namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// A polygonal chain of networks with one bend: <c>w0 -> wc -> w1</c>, a in [0, 1], with the bend at a = 0.5.
/// The coefficients are the hat functions <c>max(0, 1 - |a(n-1) - j|)</c> of Garipov et al. (2018) for n = 3:
/// <c>(max(0, 1 - 2a), 1 - |2a - 1|, max(0, 2a - 1))</c>. Point order is (w0, wc, w1), as for <see cref="BezierCurve"/>.
/// </summary>
public sealed class PolygonalChain : SubspaceShape
{
    /// <summary>The single instance.</summary>
    public static PolygonalChain Instance { get; } = new();
    private PolygonalChain() { }

    /// <inheritdoc/>
    public override int PointCount => 3;
    /// <inheritdoc/>
    public override int PositionLength => 1;
    /// <inheritdoc/>
    public override string Name => "chain";
    /// <inheritdoc/>
    public override double[] Center => new[] { 0.5 };
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { new[] { 0.0 }, new[] { 1.0 } };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position)
    {
        double a = position[0];
        return new[] { Math.Max(0, 1 - 2 * a), 1 - Math.Abs(2 * a - 1), Math.Max(0, 2 * a - 1) };
    }

    /// <inheritdoc/>
    public override double[] Sample(Random random) => new[] { random.NextDouble() };

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position) => ValidateScalar(position, Name);
}
