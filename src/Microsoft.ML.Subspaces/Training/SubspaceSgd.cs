using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Training;

/// <summary>
/// SGD with momentum and L2 weight decay on every point of every subspace parameter: the update of
/// <c>torch.optim.SGD</c> (dampening 0, no Nesterov), <c>d = g + wd * w; b = m * b + d; w -= lr * b</c>.
/// <para>
/// <see cref="Step"/> reads the gradient of each parameter's mixed weight and forms every point's gradient
/// <c>g_i = c_i * dL/dMixed</c> (plus the cos^2 regularizer's terms) inside the momentum update, so a subspace
/// costs few more passes over memory than a standard network: no per-point gradient tensors are written.
/// <see cref="StepFromPointGradients"/> does the same update from explicit <c>Points.grad</c>.
/// </para>
/// </summary>
public sealed class SubspaceSgd : IDisposable
{
    private readonly SubspaceParameter[] _parameters;
    private readonly Tensor[] _momentum;

    /// <summary>
    /// Creates the optimizer for every subspace parameter of <paramref name="network"/>. With
    /// <paramref name="trainablePoints"/>, only those points are updated; the others are never written.
    /// </summary>
    public SubspaceSgd(SubspaceNetwork network, double momentum, double weightDecay, IReadOnlyList<int>? trainablePoints = null)
    {
        _parameters = network.SubspaceParameters.ToArray();
        Momentum = momentum;
        WeightDecay = weightDecay;
        if (trainablePoints is not null)
        {
            foreach (int i in trainablePoints)
                if (i < 0 || i >= network.PointCount)
                    throw new ArgumentOutOfRangeException(nameof(trainablePoints), i, $"Point index {i} is outside [0, {network.PointCount}).");
            for (int i = 0; i < network.PointCount; i++)
                if (!trainablePoints.Contains(i)) FrozenPoints.Add(i);
        }
        using var _ = no_grad();
        _momentum = _parameters.Select(p => zeros_like(p.Points).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; }
    /// <summary>Learning rate of the next step.</summary>
    public double LearningRate { get; set; }

    /// <summary>Points that are never updated (for example the fixed ends of a curve between two models).</summary>
    public ISet<int> FrozenPoints { get; } = new HashSet<int>();

    /// <summary>
    /// One update from the mixed weights' gradients (after <c>loss.backward()</c>), with the gradient of the
    /// cos^2 regularizer folded in when <paramref name="regularizer"/> is given.
    /// </summary>
    public void Step(CosineRegularizerTerms? regularizer = null)
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
                b.mul_(Momentum);
                for (int i = 0; i < k; i++) b[i].add_(g, alpha: c[i]);
                if (WeightDecay != 0) b.add_(w, alpha: WeightDecay);
                if (reg is not null)
                {
                    AddScaled(b[reg.J], w[reg.K], reg.Cross);
                    AddScaled(b[reg.J], w[reg.J], reg.SelfJ);
                    AddScaled(b[reg.K], w[reg.J], reg.Cross);
                    AddScaled(b[reg.K], w[reg.K], reg.SelfK);
                }
                w.add_(b, alpha: -LearningRate);
                continue;
            }
            // All momentum buffers first: the regularizer reads the other point's weights before they move.
            for (int i = 0; i < k; i++)
            {
                if (FrozenPoints.Contains(i)) continue;
                var bi = b[i];
                bi.mul_(Momentum).add_(g, alpha: c[i]);
                double decay = WeightDecay;
                if (reg is not null && (i == reg.J || i == reg.K))
                {
                    double self = i == reg.J ? reg.SelfJ : reg.SelfK;
                    if (Math.Abs(self) >= NegligibleCoefficient) decay += self;
                    AddScaled(bi, w[i == reg.J ? reg.K : reg.J], reg.Cross);
                }
                if (decay != 0) bi.add_(w[i], alpha: decay);
            }
            for (int i = 0; i < k; i++)
                if (!FrozenPoints.Contains(i)) w[i].add_(b[i], alpha: -LearningRate);
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
        if (Math.Abs(alpha) >= NegligibleCoefficient) target.add_(source, alpha: alpha);
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
                bi.mul_(Momentum).add_(g[i]);
                if (WeightDecay != 0) bi.add_(w[i], alpha: WeightDecay);
                w[i].add_(bi, alpha: -LearningRate);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in _momentum) b.Dispose();
    }
}
