namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>A line segment of networks: <c>w(a) = (1 - a) w0 + a w1</c>, a in [0, 1].</summary>
public sealed class LineSubspace : SubspaceShape
{
    /// <summary>The single instance.</summary>
    public static LineSubspace Instance { get; } = new();
    private LineSubspace() { }

    /// <inheritdoc/>
    public override int PointCount => 2;
    /// <inheritdoc/>
    public override int PositionLength => 1;
    /// <inheritdoc/>
    public override string Name => "line";
    /// <inheritdoc/>
    public override double[] Center => new[] { 0.5 };
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { new[] { 0.0 }, new[] { 1.0 } };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position) => new[] { 1 - position[0], position[0] };

    /// <inheritdoc/>
    public override double[] Sample(Random random) => new[] { random.NextDouble() };

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position) => ValidateScalar(position, Name);
}
