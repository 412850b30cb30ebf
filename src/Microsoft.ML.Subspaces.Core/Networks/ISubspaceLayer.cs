namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A layer whose parameters each hold k weight points (<see cref="SubspaceParameter"/>). It computes with the
/// points mixed by the coefficients given to <see cref="Mix"/>; layer-wise training gives each layer its own.
/// </summary>
internal interface ISubspaceLayer
{
    /// <summary>Number of weight points k.</summary>
    int PointCount { get; }

    /// <summary>Every parameter of the layer.</summary>
    IReadOnlyList<SubspaceParameter> Parameters { get; }

    /// <summary>Mixes every parameter's points by <paramref name="coefficients"/> (length k) for the next forward and backward pass.</summary>
    void Mix(double[] coefficients)
    {
        foreach (var p in Parameters) p.Mix(coefficients);
    }
}
