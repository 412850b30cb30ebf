using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// Training data too large for memory, as a batch source: the <see cref="IDataView"/> is read once to count the rows and
/// gather the statistics of input (and, for regression, label) standardization and a random sample of rows (for BatchNorm
/// and checks), then again every epoch through a shuffle buffer: blocks of <c>bufferRows</c> rows are read, shuffled with
/// the fit's generator and served in batches. Memory holds one block and one batch, whatever the row count; rows keep
/// the view's order between blocks, so a buffer much smaller than the data shuffles less than training in memory does.
/// Works with any repeatable view (a file loader, ML.NET's DatabaseLoader).
/// </summary>
internal sealed class StreamedTrainingData : IBatchSource, IDisposable
{
    private readonly IDataView _data;
    private readonly LabeledRowReader.Columns _columns;
    private readonly string? _weightColumn;
    private readonly int _bufferRows;
    private readonly Block[] _blocks;
    private Block _current;
    private Task<Block>? _pending;
    private LabeledRowReader? _reader;
    private long[] _order = Array.Empty<long>();
    private int _position;
    private Generator? _generator;
    private Device? _device;
    private int _batchSize;
    private float[] _batchFeatures = Array.Empty<float>(), _batchValues = Array.Empty<float>(), _batchWeights = Array.Empty<float>();
    private long[] _batchClasses = Array.Empty<long>();
    private double _targetMean, _targetStd = 1;

    private StreamedTrainingData(IDataView data, LabeledRowReader.Columns columns, string? weightColumn, int bufferRows,
        long count, FeatureStatistics statistics, TensorDataset sample, double labelMean, double labelStd)
    {
        _data = data;
        _columns = columns;
        _weightColumn = weightColumn;
        _bufferRows = bufferRows;
        Count = count;
        Statistics = statistics;
        Sample = sample;
        LabelMean = labelMean;
        LabelStd = labelStd;
        // Two blocks: one served while the next is read on another thread.
        _blocks = new[] { new Block(bufferRows, columns), new Block(bufferRows, columns) };
        _current = _blocks[0];
    }

    /// <summary>A buffer of rows read from the view, in the view's order.</summary>
    private sealed class Block(int rows, LabeledRowReader.Columns columns)
    {
        public readonly float[] Features = new float[(long)rows * columns.FeatureSize];
        public readonly long[] Classes = columns.Output == NetworkOutput.Softmax ? new long[rows] : Array.Empty<long>();
        public readonly float[] Values = columns.Output == NetworkOutput.Softmax ? Array.Empty<float>() : new float[rows];
        public readonly float[] Weights = columns.Weight is not null ? new float[rows] : Array.Empty<float>();
        public int Filled;
    }

    /// <summary>Usable training rows (rows with a missing class label are skipped, as in memory).</summary>
    public long Count { get; }
    /// <summary>Rows skipped for a missing class label.</summary>
    public long Skipped { get; private init; }
    public int FeatureSize => _columns.FeatureSize;
    public int ClassCount => _columns.ClassCount;
    /// <summary>Per-feature statistics of every training row.</summary>
    public FeatureStatistics Statistics { get; }
    /// <summary>A uniform random sample of the rows (at most the requested count), in memory.</summary>
    public TensorDataset Sample { get; }
    /// <summary>Mean and standard deviation of the labels (regression).</summary>
    public double LabelMean { get; }
    /// <inheritdoc cref="LabelMean"/>
    public double LabelStd { get; }
    public Tensor SampleFeatures => Sample.Features;

    /// <summary>Regression: labels served as <c>(y - mean) / std</c>, as in memory.</summary>
    public void StandardizeTargets(double mean, double std) => (_targetMean, _targetStd) = (mean, std);

    /// <summary>The first pass: checks every row, counts them, gathers the statistics and a seeded reservoir sample.</summary>
    public static StreamedTrainingData Read(IDataView data, string featureColumn, string labelColumn, string? weightColumn, NetworkOutput output,
        int bufferRows, int sampleRows, int seed)
    {
        var columns = LabeledRowReader.Check(data.Schema, featureColumn, labelColumn, weightColumn, output);
        int d = columns.FeatureSize;
        var statistics = new FeatureStatistics(d);
        int chunkRows = (int)Math.Max(1, (1 << 20) / Math.Max(1, d));
        var chunk = new float[(long)chunkRows * d];
        int inChunk = 0;
        var sampleX = new float[(long)sampleRows * d];
        var sampleClasses = new long[sampleRows];
        var sampleValues = new float[sampleRows];
        var sampleWeights = new float[sampleRows];
        var random = new Random(unchecked(seed * 31 + 17));
        double labelSum = 0, labelSquares = 0;
        long count = 0;
        using var reader = new LabeledRowReader(data, columns, weightColumn, "training");
        while (reader.MoveNext(chunk.AsSpan(inChunk * d, d)))
        {
            var row = chunk.AsSpan(inChunk * d, d);
            // Reservoir sampling (Algorithm R): every row ends in the sample with the same probability.
            long slot = count < sampleRows ? count : random.NextInt64(count + 1);
            if (slot < sampleRows)
            {
                row.CopyTo(sampleX.AsSpan((int)slot * d, d));
                sampleClasses[slot] = reader.ClassIndex;
                sampleValues[slot] = reader.Value;
                sampleWeights[slot] = reader.Weight;
            }
            labelSum += reader.Value;
            labelSquares += (double)reader.Value * reader.Value;
            count++;
            if (++inChunk == chunkRows)
            {
                using var t = tensor(chunk, new long[] { chunkRows, d });
                statistics.Add(t);
                inChunk = 0;
            }
        }
        if (inChunk > 0)
        {
            using var t = tensor(chunk, new long[] { chunkRows, d });
            using var part = t.narrow(0, 0, inChunk);
            statistics.Add(part);
        }
        DataViewTensorReader.Check(reader, count, "training", labelColumn, weightColumn);
        int kept = (int)Math.Min(count, sampleRows);
        var sample = new TensorDataset(
            Owned(tensor(sampleX, new long[] { sampleRows, d }), kept),
            output == NetworkOutput.Softmax ? Owned(tensor(sampleClasses, new long[] { sampleRows }), kept) : Owned(tensor(sampleValues, new long[] { sampleRows }), kept),
            columns.ClassCount,
            weightColumn is null ? null : Owned(tensor(sampleWeights, new long[] { sampleRows }), kept));
        double mean = labelSum / count;
        double std = Math.Sqrt(Math.Max(0, labelSquares / count - mean * mean));
        return new StreamedTrainingData(data, columns, weightColumn, bufferRows, count, statistics, sample, mean, std) { Skipped = reader.Skipped };
    }

    /// <summary>The first <paramref name="rows"/> rows of a wrapped array, copied into memory libtorch owns.</summary>
    private static Tensor Owned(Tensor wrapped, int rows)
    {
        using (wrapped)
        using (var part = wrapped.narrow(0, 0, rows))
            return part.clone();
    }

    public void BeginEpoch(Generator generator, Device device, int batchSize)
    {
        _generator = generator;
        _device = device;
        _batchSize = batchSize;
        _reader = new LabeledRowReader(_data, _columns, _weightColumn, "training");
        _current = _blocks[0];
        _current.Filled = _position = 0;
        _pending = ReadAhead(_blocks[1]);
        // One set of batch arrays for the epoch: a batch a step would otherwise leave as much garbage as the data set.
        if (_batchFeatures.Length != (long)batchSize * _columns.FeatureSize)
        {
            _batchFeatures = new float[(long)batchSize * _columns.FeatureSize];
            _batchClasses = _current.Classes.Length > 0 ? new long[batchSize] : Array.Empty<long>();
            _batchValues = _current.Classes.Length > 0 ? Array.Empty<float>() : new float[batchSize];
            _batchWeights = _current.Weights.Length > 0 ? new float[batchSize] : Array.Empty<float>();
        }
    }

    /// <summary>Reads the next rows of the view into <paramref name="block"/> on a thread-pool thread (the reader is used by one read at a time).</summary>
    private Task<Block> ReadAhead(Block block)
    {
        var reader = _reader!;
        return Task.Run(() =>
        {
            int d = _columns.FeatureSize;
            block.Filled = 0;
            while (block.Filled < _bufferRows && reader.MoveNext(block.Features.AsSpan(block.Filled * d, d)))
            {
                if (block.Classes.Length > 0) block.Classes[block.Filled] = reader.ClassIndex;
                else block.Values[block.Filled] = (float)((reader.Value - _targetMean) / _targetStd);
                if (block.Weights.Length > 0) block.Weights[block.Filled] = reader.Weight;
                block.Filled++;
            }
            return block;
        });
    }

    /// <summary>
    /// Takes the block read ahead (waiting for it), draws its order from the fit's generator, and starts reading the next
    /// one into the block just served; false at the end of the data.
    /// </summary>
    private bool Refill()
    {
        var next = _pending!.GetAwaiter().GetResult(); // a read failure surfaces here, naming the row
        _pending = null;
        if (next.Filled == 0) return false;
        var served = _current;
        _current = next;
        _position = 0;
        using (var order = randperm(_current.Filled, generator: _generator))
            _order = order.data<long>().ToArray();
        _pending = ReadAhead(served);
        return true;
    }

    public (Tensor X, Tensor Y, Tensor? W) Next()
    {
        int d = _columns.FeatureSize;
        var x = _batchFeatures;
        var classes = _current.Classes.Length > 0 ? _batchClasses : null;
        var values = classes is null ? _batchValues : null;
        var weights = _current.Weights.Length > 0 ? _batchWeights : null;
        int rows = 0;
        while (rows < _batchSize && (_position < _current.Filled || _pending is not null && Refill()))
        {
            var block = _current;
            int r = (int)_order[_position++];
            block.Features.AsSpan(r * d, d).CopyTo(x.AsSpan(rows * d, d));
            if (classes is not null) classes[rows] = block.Classes[r];
            else values![rows] = block.Values[r];
            if (weights is not null) weights[rows] = block.Weights[r];
            rows++;
        }
        if (rows == 0) throw new InvalidOperationException("The training data returned fewer rows than its first pass counted: the data view is not repeatable.");
        Tensor Batch(Tensor wrapped)
        {
            using (wrapped)
            using (var part = wrapped.narrow(0, 0, rows))
                return part.to(_device!).clone(); // memory libtorch owns (as in memory: GEMM is reproducible on aligned data)
        }
        return (Batch(tensor(x, new long[] { _batchSize, d })),
            Batch(classes is not null ? tensor(classes, new long[] { _batchSize }) : tensor(values!, new long[] { _batchSize })),
            weights is null ? null : Batch(tensor(weights, new long[] { _batchSize })));
    }

    public void EndEpoch()
    {
        // A read in flight finishes (or fails) before its reader goes.
        try { _pending?.Wait(); }
        catch (AggregateException) { } // the epoch is over (cancelled or failed): its error was reported, or does not matter
        _pending = null;
        _reader?.Dispose();
        _reader = null;
    }

    public void Dispose()
    {
        EndEpoch();
        Sample.Dispose();
    }
}
