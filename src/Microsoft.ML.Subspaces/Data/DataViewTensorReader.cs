using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// Reads an <see cref="IDataView"/> into tensors once per fit: features as a dense <c>[N, D]</c> float32
/// tensor, labels as 0-based int64 classes (key - 1), as 0/1 float32 (a Boolean label, binary classification) or as
/// float32 values (a Single label, regression), optional weights. Rows whose class label is missing (key 0) are skipped
/// and counted; non-finite features, weights or regression labels are errors naming the row.
/// </summary>
internal static class DataViewTensorReader
{
    public sealed record Result(TensorDataset Data, long SkippedMissingLabels, long ZeroWeightRows);

    public static Result Read(IDataView data, string featureColumn, string labelColumn, string? weightColumn, string role = "training",
        NetworkOutput output = NetworkOutput.Softmax)
    {
        var columns = LabeledRowReader.Check(data.Schema, featureColumn, labelColumn, weightColumn, output);
        // One copy of the data, in memory libtorch allocates (64-bit sizes, no ceiling below the machine's memory), filled
        // a chunk of rows at a time; the row count is the view's or, when it does not know it, counted by a first pass.
        long capacity = data.GetRowCount() ?? CountRows(data, featureColumn, role);
        if (capacity == 0) throw new InvalidOperationException($"The {role} data has no rows.");
        var buffers = new ChunkedTensors(capacity, columns.FeatureSize, output == NetworkOutput.Softmax, columns.Weight is not null);
        try
        {
            using var reader = new LabeledRowReader(data, columns, weightColumn, role);
            while (true)
            {
                if (buffers.Rows == capacity)
                {
                    if (!reader.MoveNext(new float[columns.FeatureSize])) break;
                    throw new InvalidOperationException($"The {role} data returned more rows than the {capacity} it reported: the data view is not repeatable.");
                }
                if (!reader.MoveNext(buffers.NextFeatures())) break;
                buffers.Complete(reader.ClassIndex, reader.Value, reader.Weight);
            }
            Check(reader, buffers.Rows, role, labelColumn, weightColumn);
            var (x, y, w) = buffers.Finish();
            return new Result(new TensorDataset(x, y, columns.ClassCount, w), reader.Skipped, reader.ZeroWeights);
        }
        catch
        {
            buffers.Dispose();
            throw;
        }
    }

    /// <summary>Errors for data with no usable row, only zero weights, or weights summing past single precision.</summary>
    internal static void Check(LabeledRowReader reader, long rows, string role, string labelColumn, string? weightColumn)
    {
        if (rows == 0)
            throw new InvalidOperationException(reader.Skipped > 0
                ? $"The {role} data has no usable rows: all {reader.Skipped} rows have a missing label (key 0) in column '{labelColumn}'."
                : $"The {role} data has no rows.");
        if (weightColumn is not null && reader.ZeroWeights == rows)
            throw new InvalidOperationException($"Every example weight in column '{weightColumn}' of the {role} data is zero.");
        // The loss is the weight-averaged cross-entropy, summed in single precision: weights whose sum (times a loss of up
        // to a few hundred) passes float.MaxValue overflow it, which would otherwise be reported as divergence.
        if (weightColumn is not null && reader.WeightSum > float.MaxValue / 1e3)
            throw new InvalidOperationException(
                $"Example weights in column '{weightColumn}' of the {role} data sum to {reader.WeightSum:G3}: the weighted loss would overflow single precision. " +
                "Scale the weights down; only their ratios matter.");
    }

    /// <summary>Rows of a view that does not know its count, by a pass that reads no column.</summary>
    private static long CountRows(IDataView data, string featureColumn, string role)
    {
        long count = 0;
        try
        {
            using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
            while (cursor.MoveNext()) count++;
        }
        catch (Exception e) when (RowReadFailure.IsReadFailure(e)) { throw RowReadFailure.Wrap(data, featureColumn, role, e); }
        return count;
    }

    /// <summary>
    /// The features <c>[capacity, D]</c>, labels and weights as tensors libtorch allocates once, filled from small managed
    /// buffers a chunk of rows at a time (about 4 MB of features): the data is held once, whatever its size.
    /// </summary>
    private sealed class ChunkedTensors : IDisposable
    {
        private readonly int _size, _chunkRows;
        private readonly float[] _features;
        private readonly long[]? _classes;
        private readonly float[]? _values;
        private readonly float[]? _weights;
        private Tensor? _x, _y, _w;
        private int _buffered;

        public ChunkedTensors(long capacity, int size, bool classes, bool weights)
        {
            _size = size;
            _chunkRows = (int)Math.Clamp((1L << 20) / Math.Max(1, size), 1, capacity);
            _features = new float[(long)_chunkRows * size];
            if (classes) _classes = new long[_chunkRows];
            else _values = new float[_chunkRows];
            if (weights) _weights = new float[_chunkRows];
            _x = empty(new long[] { capacity, size }, ScalarType.Float32);
            _y = empty(new long[] { capacity }, classes ? ScalarType.Int64 : ScalarType.Float32);
            _w = weights ? empty(new long[] { capacity }, ScalarType.Float32) : null;
        }

        /// <summary>Rows completed so far.</summary>
        public long Rows { get; private set; }

        /// <summary>Where the next row's features go.</summary>
        public Span<float> NextFeatures() => _features.AsSpan(_buffered * _size, _size);

        /// <summary>Completes the row whose features were written: its class (or value) and weight.</summary>
        public void Complete(long label, float value, float weight)
        {
            if (_classes is not null) _classes[_buffered] = label;
            else _values![_buffered] = value;
            if (_weights is not null) _weights[_buffered] = weight;
            Rows++;
            if (++_buffered == _chunkRows) Flush();
        }

        private void Flush()
        {
            if (_buffered == 0) return;
            long start = Rows - _buffered;
            using (var chunk = tensor(_features, new long[] { _chunkRows, _size }))
            using (var target = _x!.narrow(0, start, _buffered))
            using (var source = chunk.narrow(0, 0, _buffered))
                target.copy_(source);
            using (var chunk = _classes is not null ? tensor(_classes, new long[] { _chunkRows }) : tensor(_values!, new long[] { _chunkRows }))
            using (var target = _y!.narrow(0, start, _buffered))
            using (var source = chunk.narrow(0, 0, _buffered))
                target.copy_(source);
            if (_weights is not null)
            {
                using var chunk = tensor(_weights, new long[] { _chunkRows });
                using var target = _w!.narrow(0, start, _buffered);
                using var source = chunk.narrow(0, 0, _buffered);
                target.copy_(source);
            }
            _buffered = 0;
        }

        /// <summary>The filled tensors, trimmed to the rows read (a view: skipped rows leave their space unused).</summary>
        public (Tensor X, Tensor Y, Tensor? W) Finish()
        {
            Flush();
            long n = Rows;
            Tensor Trim(Tensor t)
            {
                if (t.shape[0] == n) return t;
                var view = t.narrow(0, 0, n);
                t.Dispose(); // the view keeps the storage
                return view;
            }
            var result = (Trim(_x!), Trim(_y!), _w is null ? null : Trim(_w));
            _x = _y = _w = null;
            return result;
        }

        public void Dispose()
        {
            _x?.Dispose();
            _y?.Dispose();
            _w?.Dispose();
        }
    }

    /// <summary>A getter returning a binary label as 0 or 1, or a regression label as it is.</summary>
    internal static Func<float> ValueGetter(DataViewRow row, DataViewSchema.Column column, NetworkOutput output)
    {
        if (output == NetworkOutput.Sigmoid)
        {
            var g = row.GetGetter<bool>(column);
            bool b = false;
            return () => { g(ref b); return b ? 1f : 0f; };
        }
        var f = row.GetGetter<float>(column);
        float v = 0;
        return () => { f(ref v); return v; };
    }

    /// <summary>A getter returning the key as ulong, whatever the key's raw type.</summary>
    internal static Func<ulong> KeyGetter(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = ((KeyDataViewType)column.Type).RawType;
        if (raw == typeof(uint)) { var g = row.GetGetter<uint>(column); uint v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ulong)) { var g = row.GetGetter<ulong>(column); ulong v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ushort)) { var g = row.GetGetter<ushort>(column); ushort v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(byte)) { var g = row.GetGetter<byte>(column); byte v = 0; return () => { g(ref v); return v; }; }
        throw new NotSupportedException($"Key type with raw type {raw} in column '{column.Name}'.");
    }
}
