namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>The kind of curve fitted between two networks (Garipov et al., 2018).</summary>
public enum CurveKind
{
    /// <summary>A quadratic Bezier curve <c>(1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c> (<see cref="BezierCurve"/>).</summary>
    Bezier,

    /// <summary>A polygonal chain with one bend, <c>w0 -> wc -> w1</c> (<see cref="PolygonalChain"/>).</summary>
    PolygonalChain,
}

/// <summary>Maps a <see cref="CurveKind"/> to its shape.</summary>
internal static class CurveKinds
{
    /// <summary>The three-point shape of <paramref name="kind"/>: <see cref="BezierCurve"/> or <see cref="PolygonalChain"/>.</summary>
    public static SubspaceShape Shape(this CurveKind kind) => kind switch
    {
        CurveKind.Bezier => BezierCurve.Instance,
        CurveKind.PolygonalChain => PolygonalChain.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown curve kind; use Bezier or PolygonalChain."),
    };
}
