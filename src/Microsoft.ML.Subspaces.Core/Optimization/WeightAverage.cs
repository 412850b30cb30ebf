using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// The running mean of a network's weights (Stochastic Weight Averaging): <see cref="Add"/> does
/// <c>swa &lt;- swa + (w - swa) / (n + 1)</c> for every parameter, points included. Buffers (BatchNorm
/// statistics) are not averaged: recompute them for the averaged weights.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private Tensor[]? _mean;

    /// <summary>Number of weight sets averaged so far.</summary>
    public int Count { get; private set; }

    /// <summary>Folds the current weights of <paramref name="network"/> into the mean.</summary>
    public void Add(SubspaceNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var points = network.SubspaceParameters.Select(p => p.Points).ToArray();
        using var _ = no_grad();
        if (_mean is null)
        {
            _mean = points.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        }
        else
        {
            if (points.Length != _mean.Length || points.Zip(_mean).Any(pair => !pair.First.shape.SequenceEqual(pair.Second.shape)))
                throw new ArgumentException("The network does not have the architecture of the networks averaged so far.", nameof(network));
            double weight = 1.0 / (Count + 1);
            for (int i = 0; i < points.Length; i++)
            {
                using var delta = points[i].detach() - _mean[i];
                _mean[i].AddScaled_(delta, weight);
            }
        }
        Count++;
    }

    /// <summary>Writes the mean into the parameters of <paramref name="network"/> (same architecture).</summary>
    public void CopyTo(SubspaceNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_mean is null) throw new InvalidOperationException("No weights were averaged yet.");
        var points = network.SubspaceParameters.Select(p => p.Points).ToArray();
        if (points.Length != _mean.Length) throw new ArgumentException("The network does not have the architecture of the averaged networks.", nameof(network));
        using var _ = no_grad();
        for (int i = 0; i < points.Length; i++) points[i].copy_(_mean[i]);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_mean is null) return;
        foreach (var t in _mean) t.Dispose();
        _mean = null;
    }
}
