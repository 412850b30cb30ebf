using Microsoft.ML.Subspaces.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// SGD with momentum and L2 weight decay on every point of every subspace parameter: the update of
/// <c>torch.optim.SGD</c> (dampening 0, no Nesterov), <c>d = g + wd * w; b = m * b + d; w -= lr * b</c>.
/// <para>
/// <see cref="Step(CosineRegularizerTerms?)"/> reads the gradient of each parameter's mixed weight and forms every point's gradient
/// <c>g_i = c_i * dL/dMixed</c> (plus the cos^2 regularizer's terms) inside the momentum update, so a subspace
/// costs few more passes over memory than a standard network: no per-point gradient tensors are written.
/// On CPU the whole update of a parameter is one pass of <see cref="FusedSgdKernel"/>, which can also write the
/// next batch's mixed weights and the sums of the new weights that the next cos^2 term needs; elsewhere (CUDA)
/// it is a handful of tensor operations. <see cref="StepFromPointGradients"/> does the same update from explicit
/// <c>Points.grad</c>.
/// </para>
/// </summary>
internal sealed class SubspaceSgd : ISubspaceOptimizer
{
    private readonly SubspaceNetwork _network;
    private readonly SubspaceParameter[] _parameters;
    private readonly int[] _layerOf;
    private readonly Tensor[] _momentum;
    private readonly int _layerCount;
    private readonly bool _kernelEligible;
    private PairSums? _sums;

    /// <summary>
    /// Creates the optimizer for every subspace parameter of <paramref name="network"/>. With
    /// <paramref name="trainablePoints"/>, only those points are updated; the others are never written.
    /// </summary>
    public SubspaceSgd(SubspaceNetwork network, double momentum, double weightDecay, IReadOnlyList<int>? trainablePoints = null)
    {
        _network = network;
        _parameters = network.SubspaceParameters.ToArray();
        _layerOf = network.SubspaceLayers.SelectMany((layer, l) => layer.Parameters.Select(_ => l)).ToArray();
        _layerCount = network.SubspaceLayers.Count;
        PointCount = network.PointCount;
        Momentum = momentum;
        WeightDecay = weightDecay;
        FrozenPoints = ISubspaceOptimizer.Frozen(network.PointCount, trainablePoints);
        using var _ = no_grad();
        _momentum = _parameters.Select(p => zeros_like(p.Points).DetachFromDisposeScope()).ToArray();
        _kernelEligible = _parameters.All(p => p.Points.device_type == DeviceType.CPU && p.Points.dtype == ScalarType.Float32 && p.Points.is_contiguous());
    }

    /// <summary>Number of points k of the network.</summary>
    public int PointCount { get; }

    /// <summary>The momentum buffers, one per subspace parameter (what a checkpoint saves).</summary>
    public IReadOnlyList<Tensor> State => _momentum;

    /// <summary>Steps taken (SGD does not read it; kept for checkpoints).</summary>
    public long Steps { get; set; }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; }
    /// <summary>Learning rate of the next step.</summary>
    public double LearningRate { get; set; }

    /// <summary>
    /// Multiplies every point's share <c>c_i * dL/dMixed</c> of the gradient (default 1). With coefficients that sum to 1 the
    /// shape's center moves by <c>lr / k</c> times the gradient per step; a scale of k (the point count) makes the center
    /// move as a standard network does at the same learning rate (see <see cref="TrainingSettings.CenterPreserving"/>).
    /// Weight decay and the cos^2 regularizer are not scaled.
    /// </summary>
    public double GradientScale { get; set; } = 1;

    /// <summary>Points that are never updated (for example the fixed ends of a curve between two models).</summary>
    public ISet<int> FrozenPoints { get; }

    /// <summary>
    /// Whether CPU steps run <see cref="FusedSgdKernel"/> (true by default; false forces the tensor-operation path
    /// that CUDA uses, so that tests can compare the two).
    /// </summary>
    internal bool UseKernel { get; set; } = true;

    /// <summary>Whether the kernel spreads a parameter's blocks over the thread pool (the result is the same either way).</summary>
    internal bool ParallelKernel { get; set; } = true;

    /// <summary>
    /// <c>beta * cos^2(w_j, w_k)</c> at the weights the last step left, from the sums that step accumulated while it
    /// wrote them (no extra pass over the weights); null when it did not sum that pair (the first step, a step on
    /// CUDA, no pair asked for). Valid until something other than this optimizer changes the weights.
    /// </summary>
    public CosineRegularizerTerms? CosineRegularizer(int j, int k, double beta)
    {
        if (_sums is not { } s) return null;
        if (s.A == j && s.B == k) return CosineRegularizerTerms.Create(j, k, beta, s.Values[1], s.Values[0], s.Values[2]);
        if (s.A == k && s.B == j) return CosineRegularizerTerms.Create(j, k, beta, s.Values[1], s.Values[2], s.Values[0]);
        return null;
    }

    /// <summary>
    /// <c>beta * cos^2(w_j, w_k)</c> for <paramref name="pair"/> at the current weights: from the sums the last step
    /// accumulated while it wrote them when it summed that pair, else three dot products over the network's weights.
    /// Null without a pair.
    /// </summary>
    public CosineRegularizerTerms? CosineRegularizer((int J, int K)? pair, double beta) =>
        pair is not { } p ? null : CosineRegularizer(p.J, p.K, beta) ?? _network.CosineRegularizer(p.J, p.K, beta);

    /// <summary>
    /// One update from the mixed weights' gradients (after <c>loss.backward()</c>), with the gradient of the
    /// cos^2 regularizer folded in when <paramref name="regularizer"/> is given.
    /// </summary>
    public void Step(CosineRegularizerTerms? regularizer = null) => Step(regularizer, null);

    /// <summary>
    /// One update as <see cref="Step(CosineRegularizerTerms?)"/>, preparing the next batch in the same pass:
    /// when <paramref name="nextCoefficients"/> (one coefficient vector per subspace layer) is given, every parameter's
    /// <see cref="SubspaceParameter.Mixed"/> holds the new weights mixed at them; when <paramref name="nextPair"/> is
    /// given, <see cref="CosineRegularizer(int, int, double)"/> for that pair needs no pass over the weights.
    /// </summary>
    public void Step(CosineRegularizerTerms? regularizer, IReadOnlyList<double[]>? nextCoefficients, (int J, int K)? nextPair = null)
    {
        Steps++;
        _sums = null;
        if (nextCoefficients is not null && nextCoefficients.Count != _layerCount)
            throw new ArgumentException($"Expected {_layerCount} coefficient vectors, one per subspace layer; got {nextCoefficients.Count}.", nameof(nextCoefficients));
        if (nextPair is { } pair && (pair.J == pair.K || pair.J < 0 || pair.K < 0 || pair.J >= PointCount || pair.K >= PointCount))
            throw new ArgumentOutOfRangeException(nameof(nextPair), pair, $"The pair must be two different points in [0, {PointCount}).");
        if (UseKernel && _kernelEligible)
        {
            KernelStep(regularizer, nextCoefficients, nextPair);
            return;
        }
        TensorStep(regularizer);
        if (nextCoefficients is not null)
            for (int p = 0; p < _parameters.Length; p++) _parameters[p].Mix(nextCoefficients[_layerOf[p]]);
    }

    private unsafe void KernelStep(CosineRegularizerTerms? regularizer, IReadOnlyList<double[]>? nextCoefficients, (int J, int K)? nextPair)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        int k = PointCount;
        var sums = nextPair is not null ? new double[3] : null;
        var frozen = Enumerable.Range(0, k).Select(FrozenPoints.Contains).ToArray();
        for (int p = 0; p < _parameters.Length; p++)
        {
            var parameter = _parameters[p];
            var next = nextCoefficients?[_layerOf[p]];
            if (next is not null && next.Length != k)
                throw new ArgumentException($"Expected {k} coefficients for layer {_layerOf[p]}; got {next.Length}.", nameof(nextCoefficients));
            var g = parameter.Mixed?.grad;
            var c = parameter.Coefficients;
            if (g is null || c is null)
            {
                // Not part of this batch's graph: no update; the next batch still needs its mix, the pair its sums.
                if (next is not null) parameter.Mix(next);
                if (sums is not null && parameter.Regularized) AddSums(parameter, nextPair!.Value, sums);
                continue;
            }
            if (!g.is_contiguous()) g = g.contiguous();
            var reg = parameter.Regularized ? regularizer : null;
            var job = new FusedSgdKernel.Job
            {
                Gradient = Pointer(g),
                Points = Pointer(parameter.Points),
                Momentum = Pointer(_momentum[p]),
                Length = g.numel(),
                PointCount = k,
                GradientScale = c.Select(v => (float)(v * GradientScale)).ToArray(),
                Decay = Decay(k, reg),
                Frozen = frozen,
            };
            if (reg is not null && Math.Abs(reg.Cross) >= NegligibleCoefficient)
            {
                job.CrossA = reg.J;
                job.CrossB = reg.K;
                job.Cross = (float)reg.Cross;
            }
            if (sums is not null && parameter.Regularized) (job.SumsA, job.SumsB) = nextPair!.Value;
            if (next is not null && k > 1)
            {
                job.NextMixed = Pointer(parameter.MixedBuffer());
                job.NextCoefficients = next.Select(v => (float)v).ToArray();
            }
            FusedSgdKernel.Run(job, (float)Momentum, (float)LearningRate, sums ?? Array.Empty<double>(), ParallelKernel);
            if (next is not null) parameter.MixedAhead(next);
        }
        if (sums is not null) _sums = new PairSums(nextPair!.Value.J, nextPair.Value.K, sums);
    }

    /// <summary>Each point's own-weight coefficient: weight decay plus the cos^2 gradient's own-point term when not negligible (see <see cref="AddScaled"/>).</summary>
    private float[] Decay(int k, CosineRegularizerTerms? reg)
    {
        var decay = new double[k];
        Array.Fill(decay, WeightDecay);
        if (reg is not null)
        {
            if (Math.Abs(reg.SelfJ) >= NegligibleCoefficient) decay[reg.J] += reg.SelfJ;
            if (Math.Abs(reg.SelfK) >= NegligibleCoefficient) decay[reg.K] += reg.SelfK;
        }
        return decay.Select(v => (float)v).ToArray();
    }

    /// <summary>Adds <c>|w_a|^2, w_a . w_b, |w_b|^2</c> of one parameter with tensor operations (a parameter the step skipped).</summary>
    private static void AddSums(SubspaceParameter parameter, (int A, int B) pair, double[] sums)
    {
        using var scope = NewDisposeScope();
        var w = parameter.Points.reshape(parameter.PointCount, -1).to_type(ScalarType.Float64);
        var a = w[pair.A];
        var b = w[pair.B];
        sums[0] += a.dot(a).item<double>();
        sums[1] += a.dot(b).item<double>();
        sums[2] += b.dot(b).item<double>();
    }

    /// <summary>The sums the last kernel step accumulated for the pair (A, B): <c>|w_A|^2, w_A . w_B, |w_B|^2</c>.</summary>
    private sealed record PairSums(int A, int B, double[] Values);

    /// <summary>The pair sums the last step left (saved by a checkpoint and restored with it), or null.</summary>
    internal ((int A, int B) Pair, double[] Values)? PendingPairSums
    {
        get => _sums is { } s ? ((s.A, s.B), (double[])s.Values.Clone()) : null;
        set => _sums = value is { } v ? new PairSums(v.Pair.A, v.Pair.B, (double[])v.Values.Clone()) : null;
    }

    /// <summary>The data of a contiguous float32 CPU tensor (libtorch memory: nothing to pin).</summary>
    private static unsafe float* Pointer(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    private void TensorStep(CosineRegularizerTerms? regularizer)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (int p = 0; p < _parameters.Length; p++)
        {
            var parameter = _parameters[p];
            var g = parameter.Mixed?.grad;
            var c = parameter.Coefficients;
            if (g is null || c is null) continue;
            var w = parameter.Points;
            var b = _momentum[p];
            int k = parameter.PointCount;
            var reg = parameter.Regularized ? regularizer : null;
            if (FrozenPoints.Count == 0)
            {
                // Whole-tensor passes over all k points at once where the update is the same for every point.
                b.Times_(Momentum);
                for (int i = 0; i < k; i++) b[i].AddScaled_(g, c[i] * GradientScale);
                if (WeightDecay != 0) b.AddScaled_(w, WeightDecay);
                if (reg is not null)
                {
                    AddScaled(b[reg.J], w[reg.K], reg.Cross);
                    AddScaled(b[reg.J], w[reg.J], reg.SelfJ);
                    AddScaled(b[reg.K], w[reg.J], reg.Cross);
                    AddScaled(b[reg.K], w[reg.K], reg.SelfK);
                }
                w.AddScaled_(b, -LearningRate);
                continue;
            }
            // All momentum buffers first: the regularizer reads the other point's weights before they move.
            for (int i = 0; i < k; i++)
            {
                if (FrozenPoints.Contains(i)) continue;
                var bi = b[i];
                bi.Times_(Momentum).AddScaled_(g, c[i] * GradientScale);
                double decay = WeightDecay;
                if (reg is not null && (i == reg.J || i == reg.K))
                {
                    double self = i == reg.J ? reg.SelfJ : reg.SelfK;
                    if (Math.Abs(self) >= NegligibleCoefficient) decay += self;
                    AddScaled(bi, w[i == reg.J ? reg.K : reg.J], reg.Cross);
                }
                if (decay != 0) bi.AddScaled_(w[i], decay);
            }
            for (int i = 0; i < k; i++)
                if (!FrozenPoints.Contains(i)) w[i].AddScaled_(b[i], -LearningRate);
        }
    }

    /// <summary>
    /// Points pushed apart by the regularizer have cos^2 near 0, and its gradient coefficients fall to 1e-20 and
    /// below: multiplying weights by them yields denormal floats, which x86 computes through slow microcode
    /// assists (measured: +40% on a line's epoch). At float32 precision such a term changes nothing in the
    /// momentum buffer, so it is skipped.
    /// </summary>
    private static void AddScaled(Tensor target, Tensor source, double alpha)
    {
        if (Math.Abs(alpha) >= NegligibleCoefficient) target.AddScaled_(source, alpha);
    }

    /// <summary>Below this, <c>alpha * w</c> (|w| &lt; 10) is under 1e-11: lost against any buffer value float32 can tell from 0 at that scale.</summary>
    internal const double NegligibleCoefficient = 1e-12;

    /// <summary>One update from explicit per-point gradients in <c>Points.grad</c> (see <c>SubspaceNetwork.GatherGradients</c>).</summary>
    public void StepFromPointGradients()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (int p = 0; p < _parameters.Length; p++)
        {
            var w = _parameters[p].Points;
            var g = w.grad;
            if (g is null) continue;
            for (int i = 0; i < _parameters[p].PointCount; i++)
            {
                if (FrozenPoints.Contains(i)) continue;
                var bi = _momentum[p][i];
                bi.Times_(Momentum).Plus_(g[i]);
                if (WeightDecay != 0) bi.AddScaled_(w[i], WeightDecay);
                w[i].AddScaled_(bi, -LearningRate);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in _momentum) b.Dispose();
    }
}
