using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A network all of whose weight-bearing layers hold k points. Training mixes a sampled point (one for all
/// layers, or one per layer) before each forward pass and gathers the gradient back to the points; prediction
/// uses single-point copies (<c>Materialize</c>), which hold no per-batch state and can be shared by threads.
/// </summary>
internal abstract partial class SubspaceNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the network for a spec.</summary>
    protected SubspaceNetwork(string name, NetworkSpec spec) : base(name) => Spec = spec;

    /// <summary>The architecture.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Number of weight points k in every layer.</summary>
    public int PointCount => Spec.PointCount;

    /// <summary>
    /// The seeded source of dropout masks, set by the training loop for the length of a fit (so that a seed gives the
    /// same masks); null otherwise, and then no dropout is applied (prediction, BatchNorm recomputation).
    /// </summary>
    internal Generator? DropoutGenerator { get; set; }

    /// <summary>
    /// Inverted dropout at the spec's rate while training with a <see cref="DropoutGenerator"/>: each value is kept with
    /// probability <c>1 - p</c> and scaled by <c>1 / (1 - p)</c>; otherwise <paramref name="x"/> itself.
    /// </summary>
    protected Tensor Dropout(Tensor x)
    {
        double p = Spec.Dropout;
        if (p <= 0 || !training || DropoutGenerator is null) return x;
        using var keep = HeldScalars.FullLike(x, 1 - p);
        using var mask = bernoulli(keep, DropoutGenerator);
        return x.mul(mask.DividedBy_(1 - p));
    }

    /// <summary>The subspace layers in forward order (layer-wise sampling draws one point for each).</summary>
    public abstract IReadOnlyList<ISubspaceLayer> SubspaceLayers { get; }

    /// <summary>Every subspace parameter of every layer.</summary>
    public IEnumerable<SubspaceParameter> SubspaceParameters => SubspaceLayers.SelectMany(l => l.Parameters);

    /// <summary>The device the parameters live on.</summary>
    public Device Device => SubspaceLayers[0].Parameters[0].Points.device;

    /// <summary>Mixes every layer at the same coefficients for the next forward and backward pass.</summary>
    public void Mix(double[] coefficients)
    {
        foreach (var layer in SubspaceLayers) layer.Mix(coefficients);
    }

    /// <summary>Mixes layer i at <paramref name="perLayer"/>[i] (layer-wise training).</summary>
    public void Mix(IReadOnlyList<double[]> perLayer)
    {
        if (perLayer.Count != SubspaceLayers.Count)
            throw new ArgumentException($"Expected {SubspaceLayers.Count} coefficient vectors, one per subspace layer; got {perLayer.Count}.", nameof(perLayer));
        for (int i = 0; i < perLayer.Count; i++) SubspaceLayers[i].Mix(perLayer[i]);
    }

    /// <summary>After backward: gives every point its share of the mixed weights' gradients (see <see cref="SubspaceParameter.GatherGradient"/>).</summary>
    public void GatherGradients()
    {
        foreach (var p in SubspaceParameters) p.GatherGradient();
    }

    /// <summary>Forgets the per-batch mixed weights and frees their buffers (training is over, or a point is about to be materialized).</summary>
    public void ClearMixing()
    {
        foreach (var p in SubspaceParameters) p.ClearMixing();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) ClearMixing(); // the mixed buffers live outside every dispose scope
        base.Dispose(disposing);
    }

    /// <summary>
    /// Moves the freshly drawn weight points (conv and linear weights) toward one shared draw so that any two start with
    /// cosine similarity <paramref name="cosine"/> in expectation: <c>w_i = sqrt(c) s + sqrt(1 - c) w_i</c>, where
    /// <c>s</c> is drawn with the points' own scale (their root mean square), so every point keeps its initial scale.
    /// 0 leaves the independent draws as they are. Biases and BatchNorm parameters start equal already.
    /// </summary>
    public void CorrelatePoints(double cosine, Generator generator)
    {
        if (!(cosine >= 0 && cosine < 1)) throw new ArgumentOutOfRangeException(nameof(cosine), cosine, "The initial cosine must be in [0, 1).");
        if (cosine == 0 || PointCount < 2) return;
        using var _ = no_grad();
        foreach (var parameter in SubspaceParameters.Where(p => p.Regularized))
        {
            using var scope = NewDisposeScope();
            var points = parameter.Points;
            var rms = points.Squared().mean().sqrt();
            var shared = randn(points.shape[1..], generator: generator, device: points.device).mul_(rms);
            points.Times_(Math.Sqrt(1 - cosine)).AddScaled_(shared.unsqueeze(0), Math.Sqrt(cosine));
        }
    }

    /// <summary>
    /// <c>cos^2</c> between weight points <paramref name="j"/> and <paramref name="k"/> over all regularized
    /// weights (conv and linear; biases and BatchNorm excluded) concatenated: <c>(w_j . w_k)^2 / (|w_j|^2 |w_k|^2)</c>.
    /// </summary>
    public double CosineSquared(int j, int k)
    {
        var (dot, nj, nk) = RegularizerSums(j, k);
        return dot * dot / (nj * nk);
    }

    /// <summary>
    /// The value and gradient coefficients of <c>beta * cos^2(w_j, w_k)</c> at the current weights. With
    /// <c>d = w_j . w_k</c>: <c>d/dw_j = beta * (2d / (|w_j|^2 |w_k|^2) w_k - 2d^2 / (|w_j|^4 |w_k|^2) w_j)</c>, and
    /// symmetrically for w_k; the same coefficients apply to every regularized weight.
    /// </summary>
    public CosineRegularizerTerms CosineRegularizer(int j, int k, double beta)
    {
        if (j == k) throw new ArgumentException("The regularizer needs two different points.");
        var (d, nj, nk) = RegularizerSums(j, k);
        return CosineRegularizerTerms.Create(j, k, beta, d, nj, nk);
    }

    /// <summary>
    /// Adds the gradient of <c>beta * cos^2(w_j, w_k)</c> to the points' gradients (call after
    /// <see cref="GatherGradients"/>) and returns the term's value. Training folds the same terms into
    /// <c>SubspaceSgd.Step</c> instead; this explicit form is the reference the optimizer is tested against.
    /// </summary>
    public double AddCosineRegularizer(int j, int k, double beta)
    {
        var terms = CosineRegularizer(j, k, beta);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var p in SubspaceParameters.Where(p => p.Regularized))
        {
            var grad = p.Points.grad ?? throw new InvalidOperationException("Gather gradients before adding the regularizer.");
            var wj = p.Points[j];
            var wk = p.Points[k];
            grad[j].AddScaled_(wk, terms.Cross).AddScaled_(wj, terms.SelfJ);
            grad[k].AddScaled_(wj, terms.Cross).AddScaled_(wk, terms.SelfK);
        }
        return terms.Value;
    }

    private (double Dot, double NormJ, double NormK) RegularizerSums(int j, int k)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sums = new List<Tensor>();
        foreach (var p in SubspaceParameters.Where(p => p.Regularized))
        {
            var w = p.Points.reshape(p.PointCount, -1);
            var wj = w[j];
            var wk = w[k];
            sums.Add(stack(new[] { wj.dot(wk), wj.dot(wj), wk.dot(wk) }));
        }
        if (sums.Count == 0) throw new InvalidOperationException("The network has no regularized weights.");
        var total = stack(sums).to_type(ScalarType.Float64).sum(dim: 0).cpu().data<double>().ToArray();
        return (total[0], total[1], total[2]);
    }

    /// <summary>Builds an untrained network of the same architecture with a given number of points.</summary>
    protected abstract SubspaceNetwork CreateEmpty(int pointCount);

    /// <summary>
    /// A single-point copy whose weights are this network's mixed at <paramref name="coefficients"/>, in eval mode,
    /// on the same device. Buffers (BatchNorm statistics) are copied as they are.
    /// </summary>
    public SubspaceNetwork Materialize(ReadOnlySpan<double> coefficients) => Materialize(Enumerable.Repeat(coefficients.ToArray(), SubspaceLayers.Count).ToArray());

    /// <summary>A single-point copy with layer i mixed at <paramref name="perLayer"/>[i].</summary>
    public SubspaceNetwork Materialize(IReadOnlyList<double[]> perLayer)
    {
        if (perLayer.Count != SubspaceLayers.Count || perLayer.Any(c => c.Length != PointCount))
            throw new ArgumentException($"Expected {SubspaceLayers.Count} vectors of {PointCount} coefficients.", nameof(perLayer));
        var copy = CreateEmpty(1);
        copy.to(Device);
        // Callers may be inside a dispose scope (batched prediction); the copy must outlive it.
        foreach (var t in copy.parameters()) t.DetachFromDisposeScope();
        foreach (var t in copy.buffers()) t.DetachFromDisposeScope();
        using (no_grad())
        using (NewDisposeScope())
        {
            for (int l = 0; l < SubspaceLayers.Count; l++)
            {
                var src = SubspaceLayers[l].Parameters;
                var dst = copy.SubspaceLayers[l].Parameters;
                for (int p = 0; p < src.Count; p++)
                    dst[p].Points[0].copy_(SubspaceParameter.MixPoints(src[p].Points, perLayer[l]));
            }
            var srcBuffers = buffers().ToArray();
            var dstBuffers = copy.buffers().ToArray();
            for (int i = 0; i < srcBuffers.Length; i++) dstBuffers[i].copy_(srcBuffers[i]);
        }
        copy.eval();
        return copy;
    }

    /// <summary>Total number of trainable values (all points).</summary>
    public long ParameterCount => SubspaceParameters.Sum(p => p.Points.numel());
}
