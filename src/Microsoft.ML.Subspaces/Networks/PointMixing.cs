using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>Mixes stacked weight points <c>[k, ...]</c> by coefficients <c>[k]</c> in one kernel.</summary>
internal static class PointMixing
{
    /// <summary>
    /// <c>sum_i c_i * points[i]</c>, differentiable in the points. With one point the point itself is used
    /// (a view): standard training pays nothing for the subspace machinery.
    /// </summary>
    public static Tensor Mix(Tensor points, Tensor? coefficients)
    {
        long k = points.shape[0];
        if (k == 1) return points[0];
        if (coefficients is null)
            throw new InvalidOperationException("A subspace layer with several points was run before its coefficients were set.");
        var rest = points.shape[1..];
        return coefficients.matmul(points.reshape(k, -1)).view(rest);
    }
}
