using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Every layer of the network moves at once, from the start network to the end network (the paper's Linear and Arc
/// on a deep network). The parameters are split into groups of exchangeable rows, each group moved by
/// <see cref="NeuronInterpolation"/> around its own pooled mean:
/// <list type="bullet">
/// <item>hidden layers before the last: neuron k's incoming weights and bias, <c>[W_k | b_k]</c>;</item>
/// <item>the last hidden layer: <c>[W | b | outgoing weights]</c>, the neuron of a one-hidden-layer network;</item>
/// <item>the output bias, one row per class.</item>
/// </list>
/// Every parameter is in exactly one group, so for <see cref="ConnectionKind.Linear"/> the network at s is
/// <c>(1 - s) start + s end</c>, and <see cref="ConnectionKind.Arc"/> moves every parameter, the output bias included,
/// on an arc.
/// </summary>
internal sealed class SimultaneousTransition : Transition
{
    private readonly Tensor[] _start, _end;
    private readonly Tensor?[] _means;

    public SimultaneousTransition(ConnectionKind kind, MlpWeights start, MlpWeights end) : base(TransitionMode.Simultaneous, 0, kind, start)
    {
        End = end;
        _start = Groups(start);
        _end = Groups(end);
        _means = _start.Zip(_end, (s, e) => MeanFor(kind, s, e)).ToArray();
    }

    public override IEnumerable<Tensor> OwnTensors => _start.Concat(_end).Concat(_means.OfType<Tensor>());

    /// <summary>The rows of every group of <paramref name="net"/>, in the order described above.</summary>
    public static Tensor[] Groups(MlpWeights net)
    {
        int last = net.HiddenCount - 1;
        var groups = new List<Tensor>();
        for (int k = 0; k < last; k++) groups.Add(Rows(net, k));
        groups.Add(Neurons(net, last, outgoing: true));
        groups.Add(net.Biases[last + 1].unsqueeze(1));
        return groups.ToArray();
    }

    public override MlpWeights At(double s)
    {
        var x = new Tensor[_start.Length];
        for (int g = 0; g < x.Length; g++) x[g] = NeuronInterpolation.Interpolate(Kind, _start[g], _end[g], _means[g], s);
        int last = Start.HiddenCount - 1;
        var weights = new Tensor[Start.LayerCount];
        var biases = new Tensor[Start.LayerCount];
        for (int k = 0; k <= last; k++)
        {
            long inputs = Start.Weights[k].shape[1];
            weights[k] = x[k].narrow(1, 0, inputs);
            biases[k] = x[k].select(1, inputs);
        }
        long lastInputs = Start.Weights[last].shape[1];
        weights[last + 1] = x[last].narrow(1, lastInputs + 1, x[last].shape[1] - lastInputs - 1).T;
        biases[last + 1] = x[last + 1].squeeze(1);
        return new MlpWeights(weights, biases);
    }
}
