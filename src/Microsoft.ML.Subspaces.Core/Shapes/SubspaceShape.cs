namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// The geometry of a subspace of networks: how many weight points it has, which positions are valid,
/// and the mixing coefficients <c>c(position)</c> so that the network at a position has weights
/// <c>sum_i c_i * w_i</c>. Pure math: no tensors, no ML.NET.
/// </summary>
public abstract class SubspaceShape
{
    /// <summary>Tolerance for positions that must sum to one.</summary>
    protected const double SumTolerance = 1e-6;

    /// <summary>Number of weight points (k) every layer of a network on this shape holds.</summary>
    public abstract int PointCount { get; }

    /// <summary>Number of coordinates of a position (1 for a line or curve: a; n for a simplex: barycentric t).</summary>
    public abstract int PositionLength { get; }

    /// <summary>A short name: "line", "curve", "simplex3", "point".</summary>
    public abstract string Name { get; }

    /// <summary>The default prediction position: the midpoint of a line or curve, the centroid of a simplex.</summary>
    public abstract double[] Center { get; }

    /// <summary>The positions of the shape's ends: a = 0 and a = 1, or the simplex's vertices.</summary>
    public abstract IReadOnlyList<double[]> Endpoints { get; }

    /// <summary>Mixing coefficients for <paramref name="position"/>, one per weight point; they sum to one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not on the shape.</exception>
    public double[] Coefficients(ReadOnlySpan<double> position)
    {
        Validate(position);
        return CoefficientsUnchecked(position);
    }

    /// <summary>Coefficients without validation (hot path of training, positions come from <see cref="Sample"/>).</summary>
    internal abstract double[] CoefficientsUnchecked(ReadOnlySpan<double> position);

    /// <summary>Draws a position uniformly on the shape.</summary>
    public abstract double[] Sample(Random random);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the coordinate when the position is not on the shape.</summary>
    public abstract void Validate(ReadOnlySpan<double> position);

    /// <summary>Checks a scalar position a in [0, 1] (line and curve).</summary>
    protected static void ValidateScalar(ReadOnlySpan<double> position, string shapeName)
    {
        if (position.Length != 1)
            throw new ArgumentOutOfRangeException(nameof(position), $"A {shapeName} takes one coordinate a in [0, 1]; got {position.Length}.");
        double a = position[0];
        if (!(a >= 0 && a <= 1))
            throw new ArgumentOutOfRangeException(nameof(position), a, $"The {shapeName} coordinate a must be in [0, 1]; got {a}.");
    }

    /// <summary>Formats a position for messages and logs: "0.5" or "(0.2, 0.3, 0.5)".</summary>
    public static string Format(ReadOnlySpan<double> position)
    {
        if (position.Length == 1) return position[0].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var parts = new string[position.Length];
        for (int i = 0; i < position.Length; i++) parts[i] = position[i].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>Creates a shape from its <see cref="Name"/> (used when loading saved models).</summary>
    public static SubspaceShape FromName(string name)
    {
        if (name == SinglePoint.Instance.Name) return SinglePoint.Instance;
        if (name == LineSubspace.Instance.Name) return LineSubspace.Instance;
        if (name == BezierCurve.Instance.Name) return BezierCurve.Instance;
        if (name == PolygonalChain.Instance.Name) return PolygonalChain.Instance;
        if (name.StartsWith("curve", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), out int curveBends))
            return curveBends is >= 2 and <= BezierCurve.MaxBends ? BezierCurve.WithBends(curveBends) : throw new InvalidDataException($"A curve of {curveBends} bends is out of range (2 to {BezierCurve.MaxBends}).");
        if (name.StartsWith("chain", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), out int chainBends))
            return chainBends is >= 2 and <= BezierCurve.MaxBends ? PolygonalChain.WithBends(chainBends) : throw new InvalidDataException($"A chain of {chainBends} bends is out of range (2 to {BezierCurve.MaxBends}).");
        if (name.StartsWith("simplex", StringComparison.Ordinal) && int.TryParse(name.AsSpan(7), out int n))
            return n is >= 2 and <= 64 ? new SimplexSubspace(n) : throw new InvalidDataException($"A simplex of {n} vertices is out of range (2 to 64).");
        throw new InvalidDataException($"Unknown subspace shape '{name}'.");
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
