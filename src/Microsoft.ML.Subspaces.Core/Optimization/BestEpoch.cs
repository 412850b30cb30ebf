using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Early stopping's memory: the epoch with the lowest validation loss so far (the training loop offers the
/// temperature-scaled one) and a copy of every parameter and buffer of the network at that epoch (all points, BatchNorm
/// statistics), to restore at the end of training.
/// </summary>
internal sealed class BestEpoch : IDisposable
{
    private readonly nn.Module _network;
    private Tensor[]? _copy;

    public BestEpoch(nn.Module network) => _network = network;

    /// <summary>The best epoch so far (0: none yet).</summary>
    public int Epoch { get; private set; }

    /// <summary>Its validation loss.</summary>
    public double Loss { get; private set; } = double.PositiveInfinity;

    /// <summary>Records <paramref name="epoch"/> when its loss is lower than the best so far (copying the weights); returns whether it was.</summary>
    public bool Offer(int epoch, double loss)
    {
        if (!(loss < Loss)) return false;
        Epoch = epoch;
        Loss = loss;
        using var _ = no_grad();
        var state = Tensors();
        if (_copy is null) _copy = state.Select(t => t.clone().DetachFromDisposeScope()).ToArray();
        else for (int i = 0; i < state.Length; i++) _copy[i].copy_(state[i]);
        return true;
    }

    /// <summary>The copy of the best epoch's tensors (empty before any), in the network's order: what a checkpoint saves.</summary>
    public IReadOnlyList<Tensor> Copy => _copy ?? Array.Empty<Tensor>();

    /// <summary>
    /// Sets the best epoch from a checkpoint: <paramref name="epoch"/> and its loss, and a copy shaped like the network's
    /// tensors, which the checkpoint then fills.
    /// </summary>
    public IReadOnlyList<Tensor> Prepare(int epoch, double loss)
    {
        Epoch = epoch;
        Loss = loss;
        if (epoch == 0) return Array.Empty<Tensor>();
        using var _ = no_grad();
        _copy ??= Tensors().Select(t => t.clone().DetachFromDisposeScope()).ToArray();
        return _copy;
    }

    /// <summary>Copies the best epoch's weights back into the network.</summary>
    public void Restore()
    {
        if (_copy is null) return;
        using var _ = no_grad();
        var state = Tensors();
        for (int i = 0; i < state.Length; i++) state[i].copy_(_copy[i]);
    }

    private Tensor[] Tensors() => _network.parameters().Cast<Tensor>().Concat(_network.buffers()).ToArray();

    public void Dispose()
    {
        if (_copy is null) return;
        foreach (var t in _copy) t.Dispose();
        _copy = null;
    }
}
