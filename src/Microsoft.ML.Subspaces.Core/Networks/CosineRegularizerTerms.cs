namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// <c>beta * cos^2(w_j, w_k)</c> at the current weights and the coefficients of its gradient: for every
/// regularized weight, <c>d/dw_j = Cross * w_k + SelfJ * w_j</c> and <c>d/dw_k = Cross * w_j + SelfK * w_k</c>.
/// </summary>
/// <param name="J">First point.</param>
/// <param name="K">Second point.</param>
/// <param name="Value">The term's value (beta included).</param>
/// <param name="Cross">Coefficient of the other point's weights.</param>
/// <param name="SelfJ">Coefficient of w_j in its own gradient.</param>
/// <param name="SelfK">Coefficient of w_k in its own gradient.</param>
internal sealed record CosineRegularizerTerms(int J, int K, double Value, double Cross, double SelfJ, double SelfK)
{
    /// <summary>
    /// The terms from the sums <c>d = w_j . w_k</c>, <c>|w_j|^2</c> and <c>|w_k|^2</c> over all regularized weights:
    /// <c>d/dw_j = beta * (2d / (|w_j|^2 |w_k|^2) w_k - 2d^2 / (|w_j|^4 |w_k|^2) w_j)</c>, and symmetrically for w_k.
    /// </summary>
    public static CosineRegularizerTerms Create(int j, int k, double beta, double dot, double squaredNormJ, double squaredNormK)
    {
        double d = dot, nj = squaredNormJ, nk = squaredNormK;
        return new CosineRegularizerTerms(j, k,
            Value: beta * d * d / (nj * nk),
            Cross: beta * 2 * d / (nj * nk),
            SelfJ: -beta * 2 * d * d / (nj * nj * nk),
            SelfK: -beta * 2 * d * d / (nj * nk * nk));
    }
}
