namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// A quadratic Bezier curve of networks: <c>w(a) = (1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c>, a in [0, 1].
/// Point order is (w0, wc, w1): the control point sits in the middle slot.
/// </summary>
public sealed class BezierCurve : SubspaceShape
{
    /// <summary>The single instance.</summary>
    public static BezierCurve Instance { get; } = new();
    private BezierCurve() { }

    /// <inheritdoc/>
    public override int PointCount => 3;
    /// <inheritdoc/>
    public override int PositionLength => 1;
    /// <inheritdoc/>
    public override string Name => "curve";
    /// <inheritdoc/>
    public override double[] Center => new[] { 0.5 };
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { new[] { 0.0 }, new[] { 1.0 } };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position)
    {
        double a = position[0];
        return new[] { (1 - a) * (1 - a), 2 * a * (1 - a), a * a };
    }

    /// <inheritdoc/>
    public override double[] Sample(Random random) => new[] { random.NextDouble() };

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position) => ValidateScalar(position, Name);
}
