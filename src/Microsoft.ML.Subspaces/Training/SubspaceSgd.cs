using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Training;

/// <summary>
/// SGD with momentum and L2 weight decay on every point of every subspace parameter, reading the gradients
/// the points were given (<c>Points.grad</c>). Same update as <c>torch.optim.SGD</c> (dampening 0, no Nesterov):
/// <c>d = g + wd * w; b = m * b + d; w -= lr * b</c>, done in place without temporaries.
/// </summary>
public sealed class SubspaceSgd : IDisposable
{
    private readonly SubspaceParameter[] _parameters;
    private readonly Tensor[] _momentum;
    private readonly int[]? _trainable;

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
            if (trainablePoints.Distinct().Count() < network.PointCount) _trainable = trainablePoints.Distinct().Order().ToArray();
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

    /// <summary>Updates every parameter that has a gradient (only its trainable points).</summary>
    public void Step()
    {
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var w = _parameters[i].Points;
            var g = w.grad;
            if (g is null) continue;
            if (_trainable is null) Update(w, g, _momentum[i]);
            else
            {
                foreach (int point in _trainable)
                {
                    using var wp = w[point];
                    using var gp = g[point];
                    using var bp = _momentum[i][point];
                    Update(wp, gp, bp);
                }
            }
        }
    }

    private void Update(Tensor w, Tensor g, Tensor b)
    {
        b.mul_(Momentum).add_(g);
        if (WeightDecay != 0) b.add_(w, alpha: WeightDecay);
        w.add_(b, alpha: -LearningRate);
    }

    /// <summary>The points this optimizer updates (null: all).</summary>
    public IReadOnlyList<int>? TrainablePoints => _trainable;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in _momentum) b.Dispose();
    }
}
