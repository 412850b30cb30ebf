using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Which points of a subspace to average at prediction time: the class probabilities of the chosen networks
/// are averaged (the ensemble of the subspace paper). Use with <see cref="SubspaceTransformer.WithEnsemble"/>.
/// </summary>
public sealed class SubspaceEnsemble
{
    private readonly Func<SubspaceShape, IReadOnlyList<double[]>> _resolve;

    private SubspaceEnsemble(string description, Func<SubspaceShape, IReadOnlyList<double[]>> resolve)
    {
        Description = description;
        _resolve = resolve;
    }

    /// <summary>A readable description ("endpoints", "symmetric(0.2)", "sampled(8, seed 3)").</summary>
    public string Description { get; }

    /// <summary>The shape's ends: a = 0 and a = 1 for a line or curve, every vertex of a simplex.</summary>
    public static SubspaceEnsemble Endpoints { get; } = new("endpoints", shape => shape.Endpoints);

    /// <summary>The symmetric pair P(a) and P(1 - a) of a line or curve.</summary>
    public static SubspaceEnsemble Symmetric(double a)
    {
        if (!(a >= 0 && a <= 1)) throw new ArgumentOutOfRangeException(nameof(a), a, "The symmetric ensemble's a must be in [0, 1].");
        return new SubspaceEnsemble(FormattableString.Invariant($"symmetric({a})"), shape =>
        {
            if (shape.PositionLength != 1)
                throw new ArgumentException($"A symmetric ensemble needs a line or a curve; this model is a {shape.Name}.");
            return new[] { new[] { a }, new[] { 1 - a } };
        });
    }

    /// <summary>Most members of an ensemble: each is a forward pass per batch, and far fewer already give its mean.</summary>
    public const int MaxMembers = 1024;

    /// <summary><paramref name="count"/> points drawn uniformly on the shape with a fixed seed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or above <see cref="MaxMembers"/>.</exception>
    public static SubspaceEnsemble Sampled(int count, int seed = 0)
    {
        if (count < 1 || count > MaxMembers)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A sampled ensemble needs 1 to {MaxMembers} points.");
        return new SubspaceEnsemble($"sampled({count}, seed {seed})", shape =>
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count).Select(_ => shape.Sample(random)).ToArray();
        });
    }

    /// <summary>Any list of positions on the shape (a for a line or curve, barycentric coordinates for a simplex).</summary>
    public static SubspaceEnsemble Points(params double[][] positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Length == 0 || positions.Length > MaxMembers)
            throw new ArgumentException($"An ensemble needs 1 to {MaxMembers} points; got {positions.Length}.", nameof(positions));
        for (int i = 0; i < positions.Length; i++)
            if (positions[i] is null) throw new ArgumentException($"Point {i} of the ensemble is null.", nameof(positions));
        var copy = positions.Select(p => (double[])p.Clone()).ToArray();
        return new SubspaceEnsemble("points " + string.Join(" ", copy.Select(p => SubspaceShape.Format(p))), _ => copy);
    }

    /// <summary>The positions of the ensemble's members on <paramref name="shape"/>, validated.</summary>
    internal IReadOnlyList<double[]> Resolve(SubspaceShape shape)
    {
        var positions = _resolve(shape);
        foreach (var p in positions) shape.Validate(p);
        return positions;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
