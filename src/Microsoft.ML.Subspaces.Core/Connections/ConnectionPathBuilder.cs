using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Assignment;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Builds a <see cref="ConnectionPath"/> from two MLPs of the same architecture.
/// <para>
/// By default every layer moves at once (<see cref="SimultaneousTransition"/>): the paper's Linear and Arc. With optimal
/// transport, B's hidden neurons are first reordered layer by layer, from the input up, to the minimum-cost matching
/// with A's (incoming weights and bias; the last hidden layer also by its outgoing weights), and the path goes to that
/// reordered B.
/// </para>
/// <para>
/// Layer by layer (an option, and always with weight adjustment): for hidden layer k (k = 0 .. L-1) the path goes from
/// <c>Theta_k</c> to <c>Theta_{k+1}</c>, where <c>Theta_k</c> has B's first k layers (aligned), then a bridge layer k
/// that reads B's hidden layer k - 1 and stands in for A's layer k, then A's remaining layers. The bridge is the
/// least-squares fit of A's pre-activations from B's activations on the sample when data is given, and A's own layer
/// otherwise (after optimal transport B's neurons sit where A's matching neurons sit). A one-hidden-layer MLP has no
/// bridge: its path is a single transition from A to B.
/// </para>
/// <para>
/// Without weight adjustment, transition k moves hidden layer k's neurons (incoming weights, bias, and the
/// outgoing weights when they differ). With it, transition k moves only layer k's rows and re-solves layer
/// k + 1 by least squares at every point, and a last transition moves the output layer. Optimal transport
/// permutes B's neurons of layer k, before transition k, to the minimum-cost matching of the moving neuron
/// vectors (squared Euclidean distance; an exact assignment).
/// </para>
/// <para>
/// Optimal transport's second stage: the reordered B is the same function as B but not the same weights, so the
/// path goes on from it to B itself, one hidden layer at a time, swapping neurons pair by pair back into B's order
/// (<see cref="RealignmentTransition"/>). The connection takes t in [0, 1/2] and the swaps [1/2, 1], shared by length,
/// so the weights move continuously from A to B.
/// </para>
/// </summary>
internal static class ConnectionPathBuilder
{
    /// <summary>Builds the path from <paramref name="a"/> to <paramref name="b"/> by <paramref name="method"/>.</summary>
    /// <param name="spec">The MLP both networks share.</param>
    /// <param name="a">The network at t = 0.</param>
    /// <param name="b">The network at t = 1.</param>
    /// <param name="method">Connection kind and its options (alignment, weight adjustment, REPAIR, layer by layer).</param>
    /// <param name="sample">Training inputs (float64 <c>[N, in]</c>) for weight adjustment and REPAIR; null when neither is asked.</param>
    /// <param name="cancellationToken">Stops a long alignment between layers.</param>
    /// <param name="seed">Seed of weight matching's order of layers.</param>
    public static ConnectionPath Build(NetworkSpec spec, MlpWeights a, MlpWeights b, ConnectionMethod method, Tensor? sample,
        CancellationToken cancellationToken = default, int seed = 0)
    {
        if ((method.WeightAdjustment || method.Repair) && sample is null) throw new ArgumentException("Weight adjustment and REPAIR need training inputs.", nameof(sample));
        if (method.Repair && (method.WeightAdjustment || method.LayerByLayer)) throw new ArgumentException("REPAIR renormalizes the path that moves every layer at once.", nameof(method));
        if (method.WeightMatching && (method.OptimalTransport || method.WeightAdjustment || method.LayerByLayer))
            throw new ArgumentException("Weight matching aligns every layer at once, for the path that moves every layer at once.", nameof(method));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var permutations = new int[a.HiddenCount][];
        var transitions = method.WeightAdjustment || method.LayerByLayer
            ? LayerByLayer(a, b, method, sample, permutations, cancellationToken)
            : Simultaneous(a, b, method, method.Repair ? sample : null, permutations, seed, cancellationToken);
        IReadOnlyList<double>? ends = null;
        if (method.Aligned)
        {
            int firstStage = transitions.Count;
            var current = transitions[^1].End;
            int lastMoved = Array.FindLastIndex(permutations, p => p is not null && !IsIdentity(p));
            for (int k = 0; k <= lastMoved; k++)
            {
                if (permutations[k] is not { } p || IsIdentity(p)) continue;
                var realignment = new RealignmentTransition(k, method.Kind, current, p, k == lastMoved ? b : null);
                transitions.Add(realignment);
                current = realignment.End;
            }
            if (transitions.Count > firstStage) ends = ConnectionPath.TwoStageEnds(transitions, firstStage);
        }

        // Only weight adjustment solves at every point and keeps the sample; bridges were solved above.
        var path = new ConnectionPath(spec, method, a, b, transitions, method.WeightAdjustment || method.Repair ? sample : null, ends);
        foreach (var t in path.OwnedTensors) t.DetachFromDisposeScope();
        return path;
    }

    /// <summary>One transition that moves every layer; B reordered first with optimal transport or weight matching.</summary>
    private static List<Transition> Simultaneous(MlpWeights a, MlpWeights b, ConnectionMethod method, Tensor? repairSample, int[][] permutations, int seed,
        CancellationToken cancellationToken)
    {
        var aligned = b;
        if (method.WeightMatching)
        {
            var found = WeightMatching.Align(a, b, seed, cancellationToken);
            for (int k = 0; k < found.Length; k++)
            {
                aligned = aligned.PermuteHidden(k, found[k]);
                permutations[k] = found[k];
            }
        }
        else if (method.OptimalTransport)
        {
            for (int k = 0; k < a.HiddenCount; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool outgoing = k == a.HiddenCount - 1; // the output layer's rows (classes) are in the same order in both
                var p = Match(Transition.Neurons(a, k, outgoing), Transition.Neurons(aligned, k, outgoing));
                aligned = aligned.PermuteHidden(k, p);
                permutations[k] = p;
            }
        }
        return new List<Transition> { new SimultaneousTransition(method.Kind, a, aligned, repairSample) };
    }

    /// <summary>The layer-by-layer construction (see the class summary).</summary>
    private static List<Transition> LayerByLayer(MlpWeights a, MlpWeights b, ConnectionMethod method, Tensor? sample, int[][] permutations,
        CancellationToken cancellationToken)
    {
        int hiddenCount = a.HiddenCount;
        var kind = method.Kind;
        var transitions = new List<Transition>();
        var aligned = b;   // B, with hidden layers < k already permuted
        var current = a;   // Theta_k
        for (int k = 0; k < hiddenCount; k++)
        {
            cancellationToken.ThrowIfCancellationRequested(); // between layers: each is one assignment or least-squares solve
            bool last = k == hiddenCount - 1;
            if (method.WeightAdjustment)
            {
                if (method.OptimalTransport)
                {
                    permutations[k] = Match(Transition.Rows(current, k), Transition.Rows(aligned, k));
                    aligned = aligned.PermuteHidden(k, permutations[k]);
                }
                var input = aligned.Hidden(sample!, k - 1);
                var target = a.PreActivation(a.Hidden(sample!, k), k + 1);
                var endRows = aligned.Splice(k + 1, current);
                var transition = new WeightAdjustedTransition(k, kind, current, endRows, input, target);
                transitions.Add(transition);
                current = transition.End;
            }
            else
            {
                bool outgoing = last || sample is not null;
                var end = EndOf(aligned, current, k, last, sample, a);
                if (method.OptimalTransport)
                {
                    permutations[k] = Match(Transition.Neurons(current, k, outgoing), Transition.Neurons(end, k, outgoing));
                    aligned = aligned.PermuteHidden(k, permutations[k]);
                    end = EndOf(aligned, current, k, last, sample, a);
                }
                var transition = new NeuronTransition(k, kind, current, end, outgoing);
                transitions.Add(transition);
                current = end;
            }
        }
        if (method.WeightAdjustment) transitions.Add(new OutputTransition(kind, current, aligned));
        return transitions;
    }

    private static bool IsIdentity(int[] p)
    {
        for (int i = 0; i < p.Length; i++) if (p[i] != i) return false;
        return true;
    }

    /// <summary>Theta_{k+1}: the aligned B's layers 0..k, then the bridge layer k + 1, then A's layers.</summary>
    private static MlpWeights EndOf(MlpWeights aligned, MlpWeights current, int k, bool last, Tensor? sample, MlpWeights a)
    {
        if (last) return aligned;
        var end = aligned.Splice(k + 1, current);
        if (sample is null) return end; // A's layer k + 1 reads B's (aligned) hidden layer k
        var (w, bias) = LeastSquaresLayer.Solve(aligned.Hidden(sample, k), a.PreActivation(a.Hidden(sample, k), k + 1));
        return end.WithLayer(k + 1, w, bias);
    }

    /// <summary>
    /// The permutation p of the end neurons minimizing <c>sum_i |start_i - end_p[i]|^2</c> (rows are neurons):
    /// new neuron i of the end network is its old neuron p[i].
    /// </summary>
    public static int[] Match(Tensor start, Tensor end)
    {
        int n = (int)start.shape[0];
        double[] cost;
        using (NewDisposeScope())
        {
            var s2 = start.Squared().sum(1, keepdim: true);
            var e2 = end.Squared().sum(1).unsqueeze(0);
            var distances = s2.Plus(e2).AddScaled_(start.matmul(end.T), -2).ClampMin_(0);
            cost = distances.contiguous().data<double>().ToArray();
        }
        return LinearAssignment.Solve(cost, n);
    }
}
