using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A network all of whose weight-bearing layers hold k points. Training sets the coefficients of a sampled
/// point (one for all layers, or one per layer) before each forward pass; prediction uses
/// <see cref="Materialize"/>d single-point copies, which hold no mutable state and can be shared by threads.
/// </summary>
public abstract class SubspaceNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the network for a spec.</summary>
    protected SubspaceNetwork(string name, NetworkSpec spec) : base(name) => Spec = spec;

    /// <summary>The architecture.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Number of weight points k in every layer.</summary>
    public int PointCount => Spec.PointCount;

    /// <summary>The subspace layers in forward order (layer-wise sampling draws one point for each).</summary>
    public abstract IReadOnlyList<ISubspaceLayer> SubspaceLayers { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device => SubspaceLayers[0].PointParameters[0].device;

    /// <summary>Uses the same coefficients in every layer for the following forward passes.</summary>
    public void SetCoefficients(Tensor coefficients)
    {
        foreach (var layer in SubspaceLayers) layer.SetCoefficients(coefficients);
    }

    /// <summary>Uses <paramref name="perLayer"/>[i] in layer i for the following forward passes (layer-wise mode).</summary>
    public void SetCoefficients(IReadOnlyList<Tensor> perLayer)
    {
        if (perLayer.Count != SubspaceLayers.Count)
            throw new ArgumentException($"Expected {SubspaceLayers.Count} coefficient tensors, one per subspace layer; got {perLayer.Count}.", nameof(perLayer));
        for (int i = 0; i < perLayer.Count; i++) SubspaceLayers[i].SetCoefficients(perLayer[i]);
    }

    /// <summary>
    /// <c>cos^2</c> between weight points <paramref name="j"/> and <paramref name="k"/>, over all regularized
    /// weights (conv and linear; biases and BatchNorm excluded) concatenated: <c>(w_j . w_k)^2 / (|w_j|^2 |w_k|^2)</c>.
    /// Computed layer by layer, without building the concatenation.
    /// </summary>
    public Tensor CosineSquared(int j, int k)
    {
        Tensor? dot = null, nj = null, nk = null;
        foreach (var layer in SubspaceLayers)
        {
            var w = layer.RegularizedWeight;
            if (w is null) continue;
            var wj = w[j].flatten();
            var wk = w[k].flatten();
            dot = dot is null ? wj.dot(wk) : dot + wj.dot(wk);
            nj = nj is null ? wj.dot(wj) : nj + wj.dot(wj);
            nk = nk is null ? wk.dot(wk) : nk + wk.dot(wk);
        }
        if (dot is null) throw new InvalidOperationException("The network has no regularized weights.");
        return dot.square() / (nj! * nk!);
    }

    /// <summary>Builds an untrained network of the same architecture and device with a given number of points.</summary>
    protected abstract SubspaceNetwork CreateEmpty(int pointCount);

    /// <summary>
    /// A single-point copy whose weights are this network's mixed at <paramref name="coefficients"/>
    /// (detached, in eval mode, gradients off). Buffers (BatchNorm statistics) are copied as they are.
    /// </summary>
    public SubspaceNetwork Materialize(ReadOnlySpan<double> coefficients)
    {
        if (coefficients.Length != PointCount)
            throw new ArgumentException($"Expected {PointCount} coefficients; got {coefficients.Length}.", nameof(coefficients));
        var copy = CreateEmpty(1);
        copy.to(Device);
        // Callers may be inside a dispose scope (batched prediction); the copy must outlive it.
        foreach (var t in copy.parameters()) t.DetachFromDisposeScope();
        foreach (var t in copy.buffers()) t.DetachFromDisposeScope();
        var c = coefficients.ToArray().Select(v => (float)v).ToArray();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var coeffs = tensor(c, device: Device);
            for (int l = 0; l < SubspaceLayers.Count; l++)
            {
                var src = SubspaceLayers[l].PointParameters;
                var dst = copy.SubspaceLayers[l].PointParameters;
                for (int p = 0; p < src.Count; p++)
                {
                    var mixed = PointCount == 1 ? src[p][0] : coeffs.matmul(src[p].reshape(PointCount, -1)).view(src[p].shape[1..]);
                    dst[p][0].copy_(mixed);
                }
            }
            var srcBuffers = buffers().ToArray();
            var dstBuffers = copy.buffers().ToArray();
            for (int i = 0; i < srcBuffers.Length; i++) dstBuffers[i].copy_(srcBuffers[i]);
        }
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        return copy;
    }

    /// <summary>Total number of trainable values (all points).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}
