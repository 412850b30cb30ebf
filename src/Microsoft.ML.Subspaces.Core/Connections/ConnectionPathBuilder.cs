using Microsoft.ML.Subspaces.Assignment;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Builds a <see cref="ConnectionPath"/> from two MLPs of the same architecture, one hidden layer at a time.
/// <para>
/// For hidden layer k (k = 0 .. L-1) the path goes from <c>Theta_k</c> to <c>Theta_{k+1}</c>, where
/// <c>Theta_k</c> has B's first k layers (aligned), then a bridge layer k that reads B's hidden layer k - 1 and
/// stands in for A's layer k, then A's remaining layers. The bridge is the least-squares fit of A's
/// pre-activations from B's activations on the sample when data is given, and A's own layer otherwise (after
/// optimal transport B's neurons sit where A's matching neurons sit). A one-hidden-layer MLP has no bridge: its
/// path is a single transition from A to B.
/// </para>
/// <para>
/// Without weight adjustment, transition k moves hidden layer k's neurons (incoming weights, bias, and the
/// outgoing weights when they differ). With it, transition k moves only layer k's rows and re-solves layer
/// k + 1 by least squares at every point, and a last transition moves the output layer. Optimal transport
/// permutes B's neurons of layer k, before transition k, to the minimum-cost matching of the moving neuron
/// vectors (squared Euclidean distance; an exact assignment).
/// </para>
/// </summary>
internal static class ConnectionPathBuilder
{
    public static ConnectionPath Build(NetworkSpec spec, MlpWeights a, MlpWeights b, ConnectionMethod method, Tensor? sample,
        CancellationToken cancellationToken = default)
    {
        if (method.WeightAdjustment && sample is null) throw new ArgumentException("Weight adjustment needs training inputs.", nameof(sample));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
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
                    aligned = aligned.PermuteHidden(k, Match(Transition.Rows(current, k), Transition.Rows(aligned, k)));
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
                    var permutation = Match(Transition.Neurons(current, k, outgoing), Transition.Neurons(end, k, outgoing));
                    aligned = aligned.PermuteHidden(k, permutation);
                    end = EndOf(aligned, current, k, last, sample, a);
                }
                var transition = new NeuronTransition(k, kind, current, end, outgoing);
                transitions.Add(transition);
                current = end;
            }
        }
        if (method.WeightAdjustment) transitions.Add(new OutputTransition(kind, current, aligned));

        // Only weight adjustment solves at every point and keeps the sample; bridges were solved above.
        var path = new ConnectionPath(spec, method, a, b, transitions, method.WeightAdjustment ? sample : null);
        foreach (var t in path.OwnedTensors) t.DetachFromDisposeScope();
        return path;
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
            var s2 = start.square().sum(1, keepdim: true);
            var e2 = end.square().sum(1).unsqueeze(0);
            var distances = s2.add(e2).add_(start.matmul(end.T), alpha: -2).clamp_min_(0);
            cost = distances.contiguous().data<double>().ToArray();
        }
        return LinearAssignment.Solve(cost, n);
    }
}
