using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// A RealNVP bijection (Dinh et al., 2017) between neuron vectors <c>[incoming weights | bias | outgoing weights]</c> of
/// one-hidden-layer networks and a latent space: a fixed per-coordinate standardization, then affine coupling layers,
/// each keeping a random half of the coordinates and scaling and shifting the other half by functions of the kept half.
/// The Flow and Bijection connections of Anokhin and Yarotsky map two networks' neurons to the latent space, join them
/// there by the arc (which keeps a standard normal distribution) and map the path back. The last layer of every coupling
/// starts at zero, so an untrained flow is the standardization alone.
/// </summary>
internal sealed class NeuronFlow : nn.Module
{
    private readonly Tensor mean, scale, masks;
    private readonly ModuleList<Sequential> couplings;

    /// <param name="neurons">Neuron vectors <c>[N, d]</c> that fix the standardization (float32).</param>
    /// <param name="couplingCount">Affine coupling layers.</param>
    /// <param name="hiddenSize">Width of each coupling's two hidden layers.</param>
    /// <param name="seed">Seed of the masks and the initialization.</param>
    public NeuronFlow(Tensor neurons, int couplingCount, int hiddenSize, int seed) : base(nameof(NeuronFlow))
    {
        if (couplingCount < 1) throw new ArgumentOutOfRangeException(nameof(couplingCount), couplingCount, "A flow needs at least one coupling layer.");
        Dimension = neurons.shape[1];
        CouplingCount = couplingCount;
        HiddenSize = hiddenSize;
        mean = neurons.mean(new long[] { 0 }).detach().clone();
        scale = neurons.std(0).ClampMin(1e-6).detach().clone();
        var random = new Random(seed);
        var maskRows = new float[couplingCount * Dimension];
        for (int i = 0; i < couplingCount; i++)
        {
            // Alternate which random half is kept, so that every coordinate is transformed by half of the couplings.
            var order = Enumerable.Range(0, (int)Dimension).OrderBy(_ => random.Next()).ToArray();
            for (int j = 0; j < Dimension / 2; j++) maskRows[i * Dimension + order[j]] = 1;
        }
        masks = tensor(maskRows, new long[] { couplingCount, Dimension });
        var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            couplings = new ModuleList<Sequential>(Enumerable.Range(0, couplingCount).Select(_ =>
            {
                var last = nn.Linear(hiddenSize, 2 * Dimension);
                last.weight!.zero_();
                last.bias!.zero_();
                var first = nn.Linear(Dimension, hiddenSize);
                var middle = nn.Linear(hiddenSize, hiddenSize);
                foreach (var layer in new[] { first, middle })
                {
                    // He initialization from the flow's own generator (the global one is left alone), zero biases.
                    long fanIn = layer.weight!.shape[1];
                    layer.weight!.copy_(randn(layer.weight!.shape, generator: generator).Times_(Math.Sqrt(2.0 / fanIn)));
                    layer.bias!.zero_();
                }
                return nn.Sequential(first, nn.ReLU(), middle, nn.ReLU(), last);
            }).ToArray());
        }
        register_buffer(nameof(mean), mean);
        register_buffer(nameof(scale), scale);
        register_buffer(nameof(masks), masks);
        RegisterComponents();
        // The flow outlives the dispose scope it may be built in.
        foreach (var t in parameters()) t.DetachFromDisposeScope();
        foreach (var t in buffers()) t.DetachFromDisposeScope();
    }

    /// <summary>Length d of a neuron vector.</summary>
    public long Dimension { get; }

    /// <summary>Affine coupling layers.</summary>
    public int CouplingCount { get; }

    /// <summary>Width of each coupling's two hidden layers.</summary>
    public int HiddenSize { get; }

    /// <summary>Latent vectors <c>[N, d]</c> of neuron vectors <paramref name="neurons"/>, and each row's log |det Jacobian|.</summary>
    public (Tensor Latent, Tensor LogDeterminant) ToLatent(Tensor neurons)
    {
        using var scope = NewDisposeScope();
        var y = neurons.sub(mean).div(scale);
        var logDet = scale.log().sum().neg().expand(neurons.shape[0]);
        for (int i = 0; i < couplings.Count; i++)
        {
            var (s, t) = ScaleAndShift(i, y);
            y = y.mul(s.exp()).Plus(t);
            logDet = logDet.Plus(s.sum(1));
        }
        return (y.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>Neuron vectors of latent vectors <paramref name="latent"/> <c>[N, d]</c>: the inverse of <see cref="ToLatent"/>.</summary>
    public Tensor ToNeurons(Tensor latent)
    {
        using var scope = NewDisposeScope();
        var x = latent;
        for (int i = couplings.Count - 1; i >= 0; i--)
        {
            var (s, t) = ScaleAndShift(i, x);
            x = x.sub(t).mul(s.neg().exp());
        }
        return x.mul(scale).Plus(mean).MoveToOuterDisposeScope();
    }

    /// <summary>Negative mean log-likelihood of <paramref name="neurons"/> under the flow with a standard normal latent (constants dropped).</summary>
    public Tensor NegativeLogLikelihood(Tensor neurons)
    {
        var (z, logDet) = ToLatent(neurons);
        return z.Squared().sum(1).Times(0.5).sub(logDet).mean();
    }

    // The kept half goes in; the other half's log-scale (bounded by tanh, for stable training) and shift come out.
    private (Tensor Scale, Tensor Shift) ScaleAndShift(int coupling, Tensor x)
    {
        var mask = masks[coupling];
        var free = mask.neg().Plus(1);
        var output = couplings[coupling].forward(x.mul(mask));
        var s = output.narrow(1, 0, Dimension).tanh().mul(free);
        var t = output.narrow(1, Dimension, Dimension).mul(free);
        return (s, t);
    }
}
