namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>
/// A simplex of networks with n vertices: <c>w(t) = sum_i t_i w_i</c> for barycentric t (t_i >= 0,
/// sum t_i = 1). Positions are sampled uniformly on the simplex (Dirichlet(1, ..., 1), drawn as
/// normalized Exp(1) samples).
/// </summary>
public sealed class SimplexSubspace : SubspaceShape
{
    /// <summary>Creates a simplex with <paramref name="vertices"/> vertices (at least 2).</summary>
    public SimplexSubspace(int vertices)
    {
        if (vertices < 2)
            throw new ArgumentOutOfRangeException(nameof(vertices), vertices, "A simplex needs at least 2 vertices.");
        Vertices = vertices;
        var ends = new double[vertices][];
        for (int i = 0; i < vertices; i++) { ends[i] = new double[vertices]; ends[i][i] = 1; }
        Endpoints = ends;
    }

    /// <summary>Number of vertices n.</summary>
    public int Vertices { get; }

    /// <inheritdoc/>
    public override int PointCount => Vertices;
    /// <inheritdoc/>
    public override int PositionLength => Vertices;
    /// <inheritdoc/>
    public override string Name => "simplex" + Vertices;
    /// <inheritdoc/>
    public override double[] Center => Enumerable.Repeat(1.0 / Vertices, Vertices).ToArray();
    /// <inheritdoc/>
    public override IReadOnlyList<double[]> Endpoints { get; }

    internal override double[] CoefficientsUnchecked(ReadOnlySpan<double> position) => position.ToArray();

    /// <inheritdoc/>
    public override double[] Sample(Random random)
    {
        var t = new double[Vertices];
        double sum = 0;
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = -Math.Log(1 - random.NextDouble()); // Exp(1); 1 - u avoids log(0)
            sum += t[i];
        }
        for (int i = 0; i < t.Length; i++) t[i] /= sum;
        return t;
    }

    /// <inheritdoc/>
    public override void Validate(ReadOnlySpan<double> position)
    {
        if (position.Length != Vertices)
            throw new ArgumentOutOfRangeException(nameof(position),
                $"A simplex of {Vertices} vertices takes {Vertices} barycentric coordinates; got {position.Length}.");
        double sum = 0;
        for (int i = 0; i < position.Length; i++)
        {
            if (!(position[i] >= 0 && position[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(position), position[i],
                    $"Simplex coordinate t[{i}] must be in [0, 1]; got {position[i]}.");
            sum += position[i];
        }
        if (Math.Abs(sum - 1) > SumTolerance)
            throw new ArgumentOutOfRangeException(nameof(position), sum,
                $"Simplex coordinates must sum to 1; {Format(position)} sums to {sum}.");
    }
}
