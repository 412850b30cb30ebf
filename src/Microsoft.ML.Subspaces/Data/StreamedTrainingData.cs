using System.Runtime.InteropServices;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// Training data too large for memory, as a batch source: the <see cref="IDataView"/> is read once to count the rows and
/// gather the statistics of input (and, for regression, label) standardization and a random sample of rows (for BatchNorm
/// and checks), then again every epoch through a shuffle buffer: blocks of <c>bufferRows</c> rows are read, shuffled with
/// the fit's generator and served in batches. Memory holds two blocks (one served while the next is read) and a batch,
/// whatever the row count; rows keep the view's order between blocks, so a buffer much smaller than the data shuffles
/// less than training in memory does.
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
    private Tensor? _order;
    private int _position;
    private Generator? _generator;
    private Device? _device;
    private int _batchSize;
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

    /// <summary>
    /// A buffer of rows read from the view, in the view's order, in memory libtorch owns: batches are gathered from it by
    /// <c>index_select</c>, as in memory (a batch copied row by row into a managed array, then into a tensor, cost more
    /// than the rest of the streamed epoch).
    /// </summary>
    private sealed class Block : IDisposable
    {
        public readonly Tensor Features, Labels;
        public readonly Tensor? Weights;
        public int Filled;

        public Block(int rows, LabeledRowReader.Columns columns)
        {
            Features = empty(rows, columns.FeatureSize).DetachFromDisposeScope();
            Labels = (columns.Output == NetworkOutput.Softmax ? empty(new long[] { rows }, ScalarType.Int64) : empty(rows)).DetachFromDisposeScope();
            Weights = columns.Weight is not null ? empty(rows).DetachFromDisposeScope() : null;
        }

        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
            Weights?.Dispose();
        }
    }

    /// <summary>Features a block is filled with at a time (about 4 MB by default; tests make it smaller).</summary>
    private int SegmentFloats { get; init; } = 1 << 20;

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
        int bufferRows, int sampleRows, int seed, int segmentFloats = 1 << 20)
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
        return new StreamedTrainingData(data, columns, weightColumn, bufferRows, count, statistics, sample, mean, std) { Skipped = reader.Skipped, SegmentFloats = segmentFloats };
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
    }

    /// <summary>Reads the next rows of the view into <paramref name="block"/> on a thread-pool thread (the reader is used by one read at a time).</summary>
    private Task<Block> ReadAhead(Block block)
    {
        var reader = _reader!;
        return Task.Run(() =>
        {
            // The block's memory in segments of about 4 MB of features: a span reaches at most 2 GB, a buffer may hold more.
            int d = _columns.FeatureSize;
            int segmentRows = (int)Math.Clamp(SegmentFloats / Math.Max(1, d), 1, _bufferRows);
            block.Filled = 0;
            bool more = true;
            while (more && block.Filled < _bufferRows)
            {
                int start = block.Filled, rows = Math.Min(segmentRows, _bufferRows - start);
                using var features = block.Features.narrow(0, start, rows);
                using var labels = block.Labels.narrow(0, start, rows);
                using var weights = block.Weights?.narrow(0, start, rows);
                var x = MemoryMarshal.Cast<byte, float>(features.bytes);
                var classes = block.Labels.dtype == ScalarType.Int64 ? MemoryMarshal.Cast<byte, long>(labels.bytes) : Span<long>.Empty;
                var values = classes.IsEmpty ? MemoryMarshal.Cast<byte, float>(labels.bytes) : Span<float>.Empty;
                var w = weights is null ? Span<float>.Empty : MemoryMarshal.Cast<byte, float>(weights.bytes);
                int r = 0;
                while (r < rows && (more = reader.MoveNext(x.Slice(r * d, d))))
                {
                    if (!classes.IsEmpty) classes[r] = reader.ClassIndex;
                    else values[r] = (float)((reader.Value - _targetMean) / _targetStd);
                    if (!w.IsEmpty) w[r] = reader.Weight;
                    r++;
                }
                block.Filled += r;
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
        _order?.Dispose();
        _order = randperm(_current.Filled, generator: _generator).DetachFromDisposeScope();
        _pending = ReadAhead(served);
        return true;
    }

    public (Tensor X, Tensor Y, Tensor? W) Next()
    {
        // A batch is gathered from at most two blocks: the rest of this one (gathered before the next read overwrites it),
        // then the start of the next.
        var parts = new List<(Tensor X, Tensor Y, Tensor? W)>(2);
        int rows = 0;
        while (rows < _batchSize && (_position < _current.Filled || _pending is not null && Refill()))
        {
            int take = Math.Min(_batchSize - rows, _current.Filled - _position);
            using var index = _order!.narrow(0, _position, take);
            parts.Add((_current.Features.index_select(0, index), _current.Labels.index_select(0, index), _current.Weights?.index_select(0, index)));
            _position += take;
            rows += take;
        }
        if (rows == 0) throw new InvalidOperationException("The training data returned fewer rows than its first pass counted: the data view is not repeatable.");
        var (x, y, w) = parts.Count == 1 ? parts[0]
            : (cat(parts.Select(p => p.X).ToArray(), 0), cat(parts.Select(p => p.Y).ToArray(), 0), parts[0].W is null ? null : cat(parts.Select(p => p.W!).ToArray(), 0));
        return _device!.type == TorchSharp.DeviceType.CPU ? (x, y, w) : (x.to(_device), y.to(_device), w?.to(_device));
    }

    public void EndEpoch()
    {
        // A read in flight finishes (or fails) before its reader goes.
        try { _pending?.Wait(); }
        catch (AggregateException) { } // the epoch is over (cancelled or failed): its error was reported, or does not matter
        _pending = null;
        _reader?.Dispose();
        _reader = null;
        _order?.Dispose();
        _order = null;
    }

    public void Dispose()
    {
        EndEpoch();
        foreach (var block in _blocks) block.Dispose();
        Sample.Dispose();
    }
}
