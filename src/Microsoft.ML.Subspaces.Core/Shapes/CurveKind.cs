namespace Microsoft.ML.Subspaces.Shapes;

/// <summary>The kind of curve fitted between two networks (Garipov et al., 2018).</summary>
public enum CurveKind
{
    /// <summary>A Bezier curve; with one bend, <c>(1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c> (<see cref="BezierCurve"/>).</summary>
    Bezier,

    /// <summary>A polygonal chain; with one bend, <c>w0 -> wc -> w1</c> (<see cref="PolygonalChain"/>).</summary>
    PolygonalChain,
}

/// <summary>Maps a <see cref="CurveKind"/> to its shape.</summary>
internal static class CurveKinds
{
    /// <summary>The shape of <paramref name="kind"/> with <paramref name="bends"/> bends: <see cref="BezierCurve"/> or <see cref="PolygonalChain"/>.</summary>
    public static SubspaceShape Shape(this CurveKind kind, int bends = 1) => kind switch
    {
        CurveKind.Bezier => BezierCurve.WithBends(bends),
        CurveKind.PolygonalChain => PolygonalChain.WithBends(bends),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown curve kind; use Bezier or PolygonalChain."),
    };
}
