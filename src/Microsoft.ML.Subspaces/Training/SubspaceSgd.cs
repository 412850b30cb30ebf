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

    /// <summary>Creates the optimizer for every subspace parameter of <paramref name="network"/>.</summary>
    public SubspaceSgd(SubspaceNetwork network, double momentum, double weightDecay)
    {
        _parameters = network.SubspaceParameters.ToArray();
        Momentum = momentum;
        WeightDecay = weightDecay;
        using var _ = no_grad();
        _momentum = _parameters.Select(p => zeros_like(p.Points).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; }
    /// <summary>Learning rate of the next step.</summary>
    public double LearningRate { get; set; }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var w = _parameters[i].Points;
            var g = w.grad;
            if (g is null) continue;
            var b = _momentum[i];
            b.mul_(Momentum).add_(g);
            if (WeightDecay != 0) b.add_(w, alpha: WeightDecay);
            w.add_(b, alpha: -LearningRate);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in _momentum) b.Dispose();
    }
}
