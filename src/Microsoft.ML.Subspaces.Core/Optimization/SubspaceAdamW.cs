using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) on every point of every subspace parameter: each point's gradient is its share
/// <c>c_i * dL/dMixed</c> (times <see cref="GradientScale"/>) plus the cos^2 regularizer's terms, and each point keeps its
/// own first and second moments; weight decay is decoupled (<c>w -= lr * wd * w</c>), as <c>torch.optim.AdamW</c> does it.
/// Tensor operations on any device (the fused CPU kernel is SGD's).
/// </summary>
internal sealed class SubspaceAdamW : ISubspaceOptimizer
{
    private readonly SubspaceNetwork _network;
    private readonly SubspaceParameter[] _parameters;
    private readonly int[] _layerOf;
    private readonly Tensor[] _first, _second;
    private readonly Tensor[] _state;

    public SubspaceAdamW(SubspaceNetwork network, double weightDecay, IReadOnlyList<int>? trainablePoints = null,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _network = network;
        _parameters = network.SubspaceParameters.ToArray();
        _layerOf = network.SubspaceLayers.SelectMany((layer, l) => layer.Parameters.Select(_ => l)).ToArray();
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FrozenPoints = ISubspaceOptimizer.Frozen(network.PointCount, trainablePoints);
        using var _ = no_grad();
        _first = _parameters.Select(p => zeros_like(p.Points).DetachFromDisposeScope()).ToArray();
        _second = _parameters.Select(p => zeros_like(p.Points).DetachFromDisposeScope()).ToArray();
        _state = _first.Concat(_second).ToArray();
    }

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double LearningRate { get; set; }
    public double GradientScale { get; set; } = 1;
    public long Steps { get; set; }
    public IReadOnlyList<Tensor> State => _state;

    /// <summary>Points that are never updated (the fixed ends of a curve between two models).</summary>
    public ISet<int> FrozenPoints { get; }

    public CosineRegularizerTerms? CosineRegularizer((int J, int K)? pair, double beta) =>
        pair is not { } p ? null : _network.CosineRegularizer(p.J, p.K, beta);

    public void Step(CosineRegularizerTerms? regularizer, IReadOnlyList<double[]>? nextCoefficients, (int J, int K)? nextPair = null)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        using (no_grad())
        using (NewDisposeScope())
        {
            for (int p = 0; p < _parameters.Length; p++)
            {
                var parameter = _parameters[p];
                var g = parameter.Mixed?.grad;
                var c = parameter.Coefficients;
                if (g is null || c is null) continue;
                var w = parameter.Points;
                var reg = parameter.Regularized ? regularizer : null;
                int k = parameter.PointCount;
                // Every point's gradient before any point moves: the regularizer reads the other point's weights.
                var gradients = new Tensor[k];
                for (int i = 0; i < k; i++)
                {
                    if (FrozenPoints.Contains(i)) continue;
                    var gi = g.Times(c[i] * GradientScale);
                    if (reg is not null && (i == reg.J || i == reg.K))
                    {
                        gi.AddScaled_(w[i == reg.J ? reg.K : reg.J], reg.Cross);
                        gi.AddScaled_(w[i], i == reg.J ? reg.SelfJ : reg.SelfK);
                    }
                    gradients[i] = gi;
                }
                for (int i = 0; i < k; i++)
                {
                    if (gradients[i] is not { } gi) continue;
                    var m = _first[p][i];
                    var v = _second[p][i];
                    m.Times_(Beta1).AddScaled_(gi, 1 - Beta1);
                    v.Times_(Beta2).AddProduct_(gi, gi, 1 - Beta2);
                    var wi = w[i];
                    if (WeightDecay != 0) wi.Times_(1 - LearningRate * WeightDecay);
                    var denominator = v.DividedBy(correction2).sqrt_().Plus_(Epsilon);
                    wi.AddQuotient_(m, denominator, -LearningRate / correction1);
                }
            }
        }
        if (nextCoefficients is not null)
            for (int p = 0; p < _parameters.Length; p++) _parameters[p].Mix(nextCoefficients[_layerOf[p]]);
    }

    public void Dispose()
    {
        foreach (var t in _state) t.Dispose();
    }
}
