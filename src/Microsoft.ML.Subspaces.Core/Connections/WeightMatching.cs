using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Assignment;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Permutation alignment by weight matching over all layers at once (Ainsworth, Hayase and Srinivasa, "Git Re-Basin",
/// 2022): the permutations <c>P_k</c> of B's hidden layers that maximize <c>sum_l &lt;W_l^A, P_l W_l^B P_{l-1}^T&gt;</c>
/// (biases included). Each step fixes every permutation but one and solves for it exactly (a linear assignment over
/// the layer's incoming and outgoing weights); layers are visited in a seeded random order until a full round
/// improves nothing. Optimal transport, by contrast, matches each layer once, from the input up, by incoming weights.
/// </summary>
internal static class WeightMatching
{
    /// <summary>Rounds at most (the reference stops at 100; small MLPs converge in a handful).</summary>
    public const int MaxRounds = 100;

    /// <summary>
    /// The permutation of each hidden layer of <paramref name="b"/> (new neuron i is old neuron p[i]) that aligns it with
    /// <paramref name="a"/>.
    /// </summary>
    public static int[][] Align(MlpWeights a, MlpWeights b, int seed, CancellationToken cancellationToken = default)
    {
        int hidden = a.HiddenCount;
        var permutations = new int[hidden][];
        for (int k = 0; k < hidden; k++) permutations[k] = Enumerable.Range(0, (int)a.Weights[k].shape[0]).ToArray();
        var random = new Random(seed);
        for (int round = 0; round < MaxRounds; round++)
        {
            bool improved = false;
            foreach (int k in Enumerable.Range(0, hidden).OrderBy(_ => random.Next()).ToArray())
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var similarity = Similarity(a, b, permutations, k);
                int n = (int)similarity.shape[0];
                var values = similarity.contiguous().data<double>().ToArray();
                double before = 0;
                for (int i = 0; i < n; i++) before += values[i * n + permutations[k][i]];
                var cost = new double[values.Length];
                for (int i = 0; i < cost.Length; i++) cost[i] = -values[i];
                var p = LinearAssignment.Solve(cost, n);
                double after = 0;
                for (int i = 0; i < n; i++) after += values[i * n + p[i]];
                if (after > before + 1e-12 * Math.Max(1, Math.Abs(before)))
                {
                    permutations[k] = p;
                    improved = true;
                }
            }
            if (!improved) break;
        }
        return permutations;
    }

    /// <summary>
    /// <c>S[i, j]</c>: how well B's neuron j of hidden layer k matches A's neuron i, the neighbouring layers being
    /// permuted as they are now: incoming weights (B's columns in the order of layer k - 1), bias and outgoing weights
    /// (B's rows in the order of layer k + 1).
    /// </summary>
    private static Tensor Similarity(MlpWeights a, MlpWeights b, int[][] permutations, int k)
    {
        var incomingB = k == 0 ? b.Weights[k] : b.Weights[k].index_select(1, Index(permutations[k - 1]));
        var s = a.Weights[k].matmul(incomingB.T);
        s.Plus_(a.Biases[k].unsqueeze(1).mul(b.Biases[k].unsqueeze(0)));
        var outgoingB = k + 1 < a.HiddenCount ? b.Weights[k + 1].index_select(0, Index(permutations[k + 1])) : b.Weights[k + 1];
        s.Plus_(a.Weights[k + 1].T.matmul(outgoingB));
        return s;
    }

    private static Tensor Index(int[] p) => tensor(Array.ConvertAll(p, x => (long)x));
}
