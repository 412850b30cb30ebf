namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>The one-point "subspace" of standard training: a single network, coefficient 1.</summary>
public sealed class SinglePoint : SubspaceShape
{
    /// <summary>The single instance.</summary>
    public static SinglePoint Instance { get; } = new();
    private SinglePoint() { }

    /// <inheritdoc/>
    public override int PointCount => 1;
    /// <inheritdoc/>
    public override int PositionLength => 0;
    /// <inheritdoc/>
    public override string Name => "point";
    /// <inheritdoc/>
    public override double[] Center => Array.Empty<double>();
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; } = new[] { Array.Empty<double>() };

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position) => new[] { 1.0 };

    /// <inheritdoc/>
    public override double[] Sample(Random random) => Array.Empty<double>();

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position)
    {
        if (position.Length != 0)
            throw new ArgumentOutOfRangeException(nameof(position), "A standard (single-point) model has no position to choose: it takes no coordinates.");
    }
}
