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
    private readonly float[] _blockFeatures;
    private readonly long[] _blockClasses;
    private readonly float[] _blockValues, _blockWeights;
    private LabeledRowReader? _reader;
    private long[] _order = Array.Empty<long>();
    private int _filled, _position;
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
        _blockFeatures = new float[(long)bufferRows * columns.FeatureSize];
        _blockClasses = columns.Output == NetworkOutput.Softmax ? new long[bufferRows] : Array.Empty<long>();
        _blockValues = columns.Output == NetworkOutput.Softmax ? Array.Empty<float>() : new float[bufferRows];
        _blockWeights = columns.Weight is not null ? new float[bufferRows] : Array.Empty<float>();
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
        _filled = _position = 0;
    }

    /// <summary>Reads the next block of rows and draws its order from the fit's generator; false at the end of the data.</summary>
    private bool Refill()
    {
        int d = _columns.FeatureSize;
        _filled = 0;
        while (_filled < _bufferRows && _reader!.MoveNext(_blockFeatures.AsSpan(_filled * d, d)))
        {
            if (_blockClasses.Length > 0) _blockClasses[_filled] = _reader.ClassIndex;
            else _blockValues[_filled] = (float)((_reader.Value - _targetMean) / _targetStd);
            if (_blockWeights.Length > 0) _blockWeights[_filled] = _reader.Weight;
            _filled++;
        }
        _position = 0;
        if (_filled == 0) return false;
        using var order = randperm(_filled, generator: _generator);
        _order = order.data<long>().ToArray();
        return true;
    }

    public (Tensor X, Tensor Y, Tensor? W) Next()
    {
        int d = _columns.FeatureSize;
        var x = new float[(long)_batchSize * d];
        var classes = _blockClasses.Length > 0 ? new long[_batchSize] : null;
        var values = classes is null ? new float[_batchSize] : null;
        var weights = _blockWeights.Length > 0 ? new float[_batchSize] : null;
        int rows = 0;
        while (rows < _batchSize && (_position < _filled || Refill()))
        {
            int r = (int)_order[_position++];
            _blockFeatures.AsSpan(r * d, d).CopyTo(x.AsSpan(rows * d, d));
            if (classes is not null) classes[rows] = _blockClasses[r];
            else values![rows] = _blockValues[r];
            if (weights is not null) weights[rows] = _blockWeights[r];
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
        _reader?.Dispose();
        _reader = null;
    }

    public void Dispose()
    {
        EndEpoch();
        Sample.Dispose();
    }
}
