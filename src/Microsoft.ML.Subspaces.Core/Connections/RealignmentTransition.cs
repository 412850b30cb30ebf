using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// The second stage of optimal transport: the start network has hidden layer k's neurons in a matched order (new
/// neuron i is the second network's neuron <c>Permutation[i]</c>); this transition puts them back in the second
/// network's own order one transposition at a time, each pair of neurons trading places along a segment
/// (incoming weights, bias and outgoing weights), so that the path stays continuous in weights and only two
/// neurons are in motion at any point. The transpositions share s in proportion to their lengths in weight
/// space, so the path moves at a constant speed.
/// </summary>
internal sealed class RealignmentTransition : Transition
{
    private readonly Tensor _neurons;          // the start network's neurons of layer k, [n, in + 1 + out]
    private readonly int[] _startPositionOf;   // start position of the second network's neuron x
    private readonly (int I, int J)[] _swaps;  // positions exchanged, in order
    private readonly double[] _cumulative;     // length after each swap
    private readonly double _length;

    /// <param name="hidden">Hidden layer k.</param>
    /// <param name="kind">The connection's kind, kept with the path when saved (the swaps themselves move linearly).</param>
    /// <param name="start">The network whose layer k is in the matched order.</param>
    /// <param name="permutation">New neuron i of layer k in <paramref name="start"/> is the second network's neuron permutation[i].</param>
    /// <param name="end">The end network when known (the second network itself for the last layer, or a loaded path).</param>
    public RealignmentTransition(int hidden, ConnectionKind kind, MlpWeights start, int[] permutation, MlpWeights? end = null)
        : base(TransitionMode.Realignment, hidden, kind, start)
    {
        int n = permutation.Length;
        if (n != start.Weights[hidden].shape[0] || !IsPermutation(permutation))
            throw new ArgumentException($"Hidden layer {hidden} has {start.Weights[hidden].shape[0]} neurons; the realignment needs a permutation of them.", nameof(permutation));
        Permutation = permutation.ToArray();
        _startPositionOf = new int[n];
        for (int i = 0; i < n; i++) _startPositionOf[permutation[i]] = i;
        _neurons = Neurons(start, hidden, outgoing: true);
        _swaps = Transpositions(permutation);

        // Each swap moves two neurons by their difference: length sqrt(2) |v_i - v_j|.
        var order = permutation.ToArray();
        _cumulative = new double[_swaps.Length];
        double total = 0;
        using (NewDisposeScope())
        {
            var lengths = _swaps.Length == 0 ? Array.Empty<double>() : DifferenceNorms(order);
            for (int m = 0; m < _swaps.Length; m++)
            {
                total += Math.Sqrt(2) * lengths[m];
                _cumulative[m] = total;
            }
        }
        _length = total;
        End = end ?? start.PermuteHidden(hidden, _startPositionOf); // new neuron x = start's neuron at the position of x
    }

    /// <summary>The matched order of the start network's layer k (new neuron i is the second network's neuron Permutation[i]).</summary>
    public IReadOnlyList<int> Permutation { get; }

    /// <summary>Number of transpositions (the permutation's size minus its number of cycles).</summary>
    public int SwapCount => _swaps.Length;

    public override double Length => _length;

    public override IEnumerable<Tensor> OwnTensors => new[] { _neurons };

    public override MlpWeights At(double s)
    {
        if (_swaps.Length == 0) return Start;
        double target = Math.Clamp(s, 0, 1) * _length;
        int m = Array.BinarySearch(_cumulative, target);
        if (m < 0) m = ~m;
        m = Math.Min(m, _swaps.Length - 1);
        double before = m == 0 ? 0 : _cumulative[m - 1];
        double span = _cumulative[m] - before;
        double f = span > 0 ? Math.Clamp((target - before) / span, 0, 1) : 1;

        // Positions after the first m swaps: position i holds the second network's neuron order[i].
        var order = Permutation.ToArray();
        for (int q = 0; q < m; q++) Swap(order, _swaps[q]);
        var (i, j) = _swaps[m];
        var index = new long[order.Length];
        for (int p = 0; p < order.Length; p++) index[p] = _startPositionOf[order[p]];
        var x = _neurons.index_select(0, tensor(index));
        var vi = x[i].clone();
        var vj = x[j].clone();
        x[i].copy_(lerp(vi, vj, f));
        x[j].copy_(lerp(vj, vi, f));
        long inputs = Start.Weights[Hidden].shape[1];
        var (weight, bias, outgoing) = Split(x, inputs);
        return Start.WithLayer(Hidden, weight, bias).WithLayer(Hidden + 1, outgoing, Start.Biases[Hidden + 1]);
    }

    /// <summary>
    /// Transpositions that take the order <paramref name="permutation"/> to the identity: for each position i in turn,
    /// the neuron that belongs there is swapped in. At most n - 1 of them.
    /// </summary>
    private static (int, int)[] Transpositions(int[] permutation)
    {
        var order = permutation.ToArray();
        var positionOf = new int[order.Length];
        for (int i = 0; i < order.Length; i++) positionOf[order[i]] = i;
        var swaps = new List<(int, int)>();
        for (int i = 0; i < order.Length; i++)
        {
            if (order[i] == i) continue;
            int j = positionOf[i];
            swaps.Add((i, j));
            positionOf[order[i]] = j;
            positionOf[i] = i;
            (order[i], order[j]) = (order[j], order[i]);
        }
        return swaps.ToArray();
    }

    /// <summary>|v_i - v_j| for every swap, the neurons being where the earlier swaps left them.</summary>
    private double[] DifferenceNorms(int[] order)
    {
        var first = new long[_swaps.Length];
        var second = new long[_swaps.Length];
        for (int m = 0; m < _swaps.Length; m++)
        {
            var (i, j) = _swaps[m];
            first[m] = _startPositionOf[order[i]];
            second[m] = _startPositionOf[order[j]];
            Swap(order, _swaps[m]);
        }
        var d = _neurons.index_select(0, tensor(first)).sub_(_neurons.index_select(0, tensor(second)));
        return d.Squared().sum(1).sqrt().data<double>().ToArray();
    }

    private static void Swap(int[] order, (int I, int J) swap) => (order[swap.I], order[swap.J]) = (order[swap.J], order[swap.I]);

    private static bool IsPermutation(int[] p)
    {
        var seen = new bool[p.Length];
        foreach (int x in p)
        {
            if (x < 0 || x >= p.Length || seen[x]) return false;
            seen[x] = true;
        }
        return true;
    }
}
