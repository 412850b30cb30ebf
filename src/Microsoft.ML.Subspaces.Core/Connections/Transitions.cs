using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>How a transition moves the network (stored with a saved path).</summary>
internal enum TransitionMode
{
    /// <summary>Hidden layer k's neurons ([incoming weights, bias, outgoing weights]) move from start to end; the next layer's bias moves linearly.</summary>
    Neurons,
    /// <summary>Layer k's rows ([incoming weights, bias]) move; layer k + 1 is re-solved by least squares at every point.</summary>
    WeightAdjusted,
    /// <summary>The output layer's rows ([weights, bias]) move.</summary>
    OutputLayer,
    /// <summary>Every layer moves at once (<see cref="SimultaneousTransition"/>).</summary>
    Simultaneous,
    /// <summary>Hidden layer k's neurons are swapped pair by pair back into the second network's order (<see cref="RealignmentTransition"/>).</summary>
    Realignment,
}

/// <summary>
/// One stage of a connection: a path from network <see cref="Start"/> to network <see cref="End"/>, indexed by
/// s in [0, 1], that changes one or two consecutive layers. A pure function of s.
/// </summary>
internal abstract class Transition
{
    protected Transition(TransitionMode mode, int hidden, ConnectionKind kind, MlpWeights start)
    {
        Mode = mode;
        Hidden = hidden;
        Kind = kind;
        Start = start;
    }

    public TransitionMode Mode { get; }

    /// <summary>The hidden layer whose neurons move (the output layer's index for <see cref="TransitionMode.OutputLayer"/>).</summary>
    public int Hidden { get; }

    public ConnectionKind Kind { get; }
    public MlpWeights Start { get; }
    public MlpWeights End { get; protected set; } = null!;

    /// <summary>The network at s. Tensors that are new belong to the caller's dispose scope.</summary>
    public abstract MlpWeights At(double s);

    /// <summary>Tensors this transition keeps besides its networks' (cached neuron matrices, samples).</summary>
    public abstract IEnumerable<Tensor> OwnTensors { get; }

    /// <summary>
    /// The transition's length in weight space, which decides its share of t when a path is parametrized by length:
    /// the straight distance from <see cref="Start"/> to <see cref="End"/> unless a transition knows better.
    /// </summary>
    public virtual double Length => Distance(Start, End);

    /// <summary>The Euclidean distance between two networks' weight vectors.</summary>
    public static double Distance(MlpWeights x, MlpWeights y)
    {
        double sum = 0;
        using var scope = NewDisposeScope();
        foreach (var (p, q) in x.Tensors.Zip(y.Tensors))
            if (!ReferenceEquals(p, q)) sum += p.sub(q).Squared().sum().item<double>();
        return Math.Sqrt(sum);
    }

    /// <summary>Rows <c>[W | b]</c> of layer <paramref name="layer"/>.</summary>
    public static Tensor Rows(MlpWeights net, int layer) => cat(new[] { net.Weights[layer], net.Biases[layer].unsqueeze(1) }, 1);

    /// <summary>Neurons of hidden layer k: rows <c>[W_k | b_k | W_{k+1}^T]</c>, or <c>[W_k | b_k]</c> without outgoing weights.</summary>
    public static Tensor Neurons(MlpWeights net, int hidden, bool outgoing) => outgoing
        ? cat(new[] { net.Weights[hidden], net.Biases[hidden].unsqueeze(1), net.Weights[hidden + 1].T }, 1)
        : Rows(net, hidden);

    /// <summary>
    /// Neuron rows back into layers, the inverse of <see cref="Rows"/> and <see cref="Neurons"/>: the incoming weights
    /// <c>[h, in]</c>, the bias <c>[h]</c> and the outgoing weights <c>[out, h]</c> (none, <c>[0, h]</c>, for bare rows).
    /// Views of <paramref name="rows"/>.
    /// </summary>
    public static (Tensor Weight, Tensor Bias, Tensor Outgoing) Split(Tensor rows, long inputs) =>
        (rows.narrow(1, 0, inputs), rows.select(1, inputs), rows.narrow(1, inputs + 1, rows.shape[1] - inputs - 1).T);

    protected static Tensor? MeanFor(ConnectionKind kind, Tensor start, Tensor end) =>
        kind == ConnectionKind.Arc ? NeuronInterpolation.PooledMean(start, end) : null;
}

/// <summary>
/// Moves the neurons of hidden layer k from the start network to the end network, neuron i to neuron i. A neuron
/// is its incoming weights, its bias and, when they differ between the ends, its outgoing weights; the bias of
/// layer k + 1 moves linearly. Every other layer is the same in both networks and stays.
/// </summary>
internal sealed class NeuronTransition : Transition
{
    private readonly Tensor _start, _end;
    private readonly Tensor? _mean;

    public NeuronTransition(int hidden, ConnectionKind kind, MlpWeights start, MlpWeights end, bool outgoing) : base(TransitionMode.Neurons, hidden, kind, start)
    {
        End = end;
        MovesOutgoing = outgoing;
        _start = Neurons(start, hidden, outgoing);
        _end = Neurons(end, hidden, outgoing);
        _mean = MeanFor(kind, _start, _end);
    }

    /// <summary>True when the outgoing weights are part of the moving neurons.</summary>
    public bool MovesOutgoing { get; }

    public override IEnumerable<Tensor> OwnTensors => _mean is null ? new[] { _start, _end } : new[] { _start, _end, _mean };

    public override MlpWeights At(double s)
    {
        var x = NeuronInterpolation.Interpolate(Kind, _start, _end, _mean, s);
        long inputs = Start.Weights[Hidden].shape[1];
        var (weight, bias, outgoing) = Split(x, inputs);
        var result = Start.WithLayer(Hidden, weight, bias);
        var nextBias = lerp(Start.Biases[Hidden + 1], End.Biases[Hidden + 1], s);
        var nextWeight = MovesOutgoing ? outgoing : Start.Weights[Hidden + 1];
        return result.WithLayer(Hidden + 1, nextWeight, nextBias);
    }
}

/// <summary>
/// Weight adjustment: layer k's rows move from start to end, and at every point layer k + 1 is re-solved by least
/// squares so that, on the sample, its pre-activations stay as close as possible to the target (the first network's).
/// </summary>
internal sealed class WeightAdjustedTransition : Transition
{
    private readonly Tensor _start, _end, _input, _target;
    private readonly Tensor? _mean;

    /// <param name="hidden">Hidden layer k.</param>
    /// <param name="kind">Interpolation of layer k's rows.</param>
    /// <param name="start">The start network (layer k + 1 of it is ignored: it is solved for).</param>
    /// <param name="endRows">Network whose layer k is the end of layer k's move (the second network, aligned).</param>
    /// <param name="input">Layer k's input on the sample <c>[N, in]</c>: the sample or the second network's hidden layer k - 1.</param>
    /// <param name="target">The first network's pre-activations of layer k + 1 on the sample <c>[N, out]</c>.</param>
    /// <param name="end">The end network when known (a loaded path); computed otherwise.</param>
    public WeightAdjustedTransition(int hidden, ConnectionKind kind, MlpWeights start, MlpWeights endRows, Tensor input, Tensor target, MlpWeights? end = null)
        : base(TransitionMode.WeightAdjusted, hidden, kind, start)
    {
        _start = Rows(start, hidden);
        _end = Rows(endRows, hidden);
        _mean = MeanFor(kind, _start, _end);
        _input = input;
        _target = target;
        End = end ?? Solve(endRows.Weights[hidden], endRows.Biases[hidden]);
    }

    /// <summary>Layer k's input on the sample.</summary>
    public Tensor Input => _input;

    /// <summary>The least-squares target.</summary>
    public Tensor Target => _target;

    public override IEnumerable<Tensor> OwnTensors => _mean is null ? new[] { _start, _end, _input, _target } : new[] { _start, _end, _mean, _input, _target };

    public override MlpWeights At(double s)
    {
        var x = NeuronInterpolation.Interpolate(Kind, _start, _end, _mean, s);
        long inputs = Start.Weights[Hidden].shape[1];
        var (weight, bias, _) = Split(x, inputs);
        return Solve(weight, bias);
    }

    /// <summary>The residual of layer k + 1's least-squares problem at s (mean squared error per sample row).</summary>
    public double ResidualAt(double s)
    {
        using var scope = NewDisposeScope();
        var net = At(s);
        var h = net.PreActivation(_input, Hidden).relu_();
        return LeastSquaresLayer.Residual(h, _target, net.Weights[Hidden + 1], net.Biases[Hidden + 1]);
    }

    private MlpWeights Solve(Tensor weight, Tensor bias)
    {
        var h = nn.functional.linear(_input, weight, bias).relu_();
        var (w, b) = LeastSquaresLayer.Solve(h, _target);
        return Start.WithLayer(Hidden, weight, bias).WithLayer(Hidden + 1, w, b);
    }
}

/// <summary>Moves the output layer's rows (one per class: weights and bias) from start to end.</summary>
internal sealed class OutputTransition : Transition
{
    private readonly Tensor _start, _end;
    private readonly Tensor? _mean;

    public OutputTransition(ConnectionKind kind, MlpWeights start, MlpWeights end) : base(TransitionMode.OutputLayer, start.LayerCount - 1, kind, start)
    {
        End = end;
        _start = Rows(start, Hidden);
        _end = Rows(end, Hidden);
        _mean = MeanFor(kind, _start, _end);
    }

    public override IEnumerable<Tensor> OwnTensors => _mean is null ? new[] { _start, _end } : new[] { _start, _end, _mean };

    public override MlpWeights At(double s)
    {
        var x = NeuronInterpolation.Interpolate(Kind, _start, _end, _mean, s);
        long inputs = Start.Weights[Hidden].shape[1];
        var (weight, bias, _) = Split(x, inputs);
        return Start.WithLayer(Hidden, weight, bias);
    }
}
