using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Where the training loop takes its batches from: the rows in memory (<see cref="TensorDataset"/>, shuffled each epoch
/// by one permutation) or a data source read again every epoch through a shuffle buffer (streaming), so that the loop
/// does not hold the data set for either.
/// </summary>
internal interface IBatchSource
{
    /// <summary>Training rows in one epoch.</summary>
    long Count { get; }

    /// <summary>Training features the loop checks the trained network on and, by default, recomputes BatchNorm over (all rows in memory, or a sample).</summary>
    Tensor SampleFeatures { get; }

    /// <summary>Starts an epoch: its order is drawn from <paramref name="generator"/>.</summary>
    void BeginEpoch(Generator generator, Device device, int batchSize);

    /// <summary>The epoch's next batch (features, labels, weights or null), created in the caller's dispose scope.</summary>
    (Tensor X, Tensor Y, Tensor? W) Next();

    /// <summary>Ends the epoch (frees its order or its reader).</summary>
    void EndEpoch();
}

/// <summary>The rows in memory as a batch source: one permutation per epoch from the generator, batches by index.</summary>
internal sealed class InMemoryBatches(TensorDataset data) : IBatchSource
{
    private Tensor? _permutation;
    private int _batchSize;
    private long _start;

    public long Count => data.Count;
    public Tensor SampleFeatures => data.Features;

    public void BeginEpoch(Generator generator, Device device, int batchSize)
    {
        var order = randperm(data.Count, generator: generator).DetachFromDisposeScope(); // the draw on the CPU generator
        if (order.device == device) _permutation = order;
        else
        {
            _permutation = order.to(device).DetachFromDisposeScope(); // then (on CUDA) a copy
            order.Dispose();
        }
        _batchSize = batchSize;
        _start = 0;
    }

    public (Tensor X, Tensor Y, Tensor? W) Next()
    {
        var index = _permutation!.narrow(0, _start, Math.Min(_batchSize, data.Count - _start));
        _start += _batchSize;
        return (data.Features.index_select(0, index), data.Labels.index_select(0, index), data.Weights?.index_select(0, index));
    }

    public void EndEpoch()
    {
        _permutation?.Dispose();
        _permutation = null;
    }
}
