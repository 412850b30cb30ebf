using Microsoft.ML.Subspaces.Runtime;
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
/// <para>
/// With a sample, REPAIR (Jordan et al., 2022) renormalizes every hidden layer at every point: interpolating two
/// networks shrinks the spread of their neurons' pre-activations, so each neuron's pre-activations on the sample are
/// shifted and scaled (its incoming weights and bias) to the mean and standard deviation interpolated between the
/// two networks' own, <c>(1 - s) stat_start + s stat_end</c>, layer after layer from the input up.
/// </para>
/// </summary>
internal sealed class SimultaneousTransition : Transition
{
    private const double RepairEpsilon = 1e-5;
    private readonly Tensor[] _start, _end;
    private readonly Tensor?[] _means;
    private readonly Tensor? _sample;
    private readonly (Tensor Mean, Tensor Std)[] _startStats = Array.Empty<(Tensor, Tensor)>(), _endStats = Array.Empty<(Tensor, Tensor)>();

    /// <param name="kind">Linear or Arc.</param>
    /// <param name="start">The start network.</param>
    /// <param name="end">The end network.</param>
    /// <param name="repairSample">Standardized inputs <c>[N, in]</c> to renormalize on (REPAIR); null: no renormalization.</param>
    public SimultaneousTransition(ConnectionKind kind, MlpWeights start, MlpWeights end, Tensor? repairSample = null) : base(TransitionMode.Simultaneous, 0, kind, start)
    {
        End = end;
        _start = Groups(start);
        _end = Groups(end);
        _means = _start.Zip(_end, (s, e) => MeanFor(kind, s, e)).ToArray();
        if (repairSample is not null)
        {
            _sample = repairSample;
            _startStats = PreActivationStatistics(start, repairSample);
            _endStats = PreActivationStatistics(end, repairSample);
        }
    }

    /// <summary>True when every point is renormalized (REPAIR).</summary>
    public bool Repaired => _sample is not null;

    public override IEnumerable<Tensor> OwnTensors => _start.Concat(_end).Concat(_means.OfType<Tensor>())
        .Concat(_startStats.Concat(_endStats).SelectMany(x => new[] { x.Mean, x.Std }));

    /// <summary>Mean and standard deviation, per neuron, of each hidden layer's pre-activations on the sample.</summary>
    private static (Tensor Mean, Tensor Std)[] PreActivationStatistics(MlpWeights net, Tensor sample)
    {
        var stats = new (Tensor, Tensor)[net.HiddenCount];
        var h = sample;
        for (int k = 0; k < net.HiddenCount; k++)
        {
            var z = net.PreActivation(h, k);
            stats[k] = (z.mean(new long[] { 0 }), z.std(0, unbiased: false));
            h = z.relu();
        }
        return stats;
    }

    /// <summary>REPAIR of the hidden layers of <paramref name="net"/>, the point at s.</summary>
    private MlpWeights Repair(MlpWeights net, double s)
    {
        var h = _sample!;
        for (int k = 0; k < net.HiddenCount; k++)
        {
            var z = net.PreActivation(h, k);
            var mean = z.mean(new long[] { 0 });
            var std = z.std(0, unbiased: false);
            var targetMean = lerp(_startStats[k].Mean, _endStats[k].Mean, s);
            var targetStd = lerp(_startStats[k].Std, _endStats[k].Std, s);
            var scale = targetStd.div(std.Plus(RepairEpsilon));
            var weight = net.Weights[k].mul(scale.unsqueeze(1));
            var bias = net.Biases[k].sub(mean).mul_(scale).Plus_(targetMean);
            net = net.WithLayer(k, weight, bias);
            h = z.sub(mean).mul_(scale).Plus_(targetMean).relu_();
        }
        return net;
    }

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
            (weights[k], biases[k], var outgoing) = Split(x[k], Start.Weights[k].shape[1]);
            if (k == last) weights[last + 1] = outgoing; // the last hidden layer's rows carry the output weights
        }
        biases[last + 1] = x[last + 1].squeeze(1);
        var net = new MlpWeights(weights, biases);
        return _sample is null ? net : Repair(net, s);
    }
}
