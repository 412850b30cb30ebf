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
        var schema = data.Schema;
        int size = FeatureColumns.CheckFeatures(schema, featureColumn, out var features);
        int classes = 1;
        DataViewSchema.Column label;
        if (output == NetworkOutput.Softmax) classes = FeatureColumns.CheckLabel(schema, labelColumn, out label);
        else if (output == NetworkOutput.Sigmoid) FeatureColumns.CheckBinaryLabel(schema, labelColumn, out label);
        else FeatureColumns.CheckRegressionLabel(schema, labelColumn, out label);
        FeatureColumns.CheckWeight(schema, weightColumn, out var weight);

        var active = new List<DataViewSchema.Column> { features, label };
        if (weight is not null) active.Add(weight.Value);
        long capacityHint = data.GetRowCount() ?? 1024;
        var x = new GrowableArray<float>(checked((int)Math.Min(capacityHint * size, int.MaxValue / 2)));
        var y = new GrowableArray<long>(output == NetworkOutput.Softmax ? (int)Math.Min(capacityHint, int.MaxValue / 2) : 0);
        var values = new GrowableArray<float>(output == NetworkOutput.Softmax ? 0 : (int)Math.Min(capacityHint, int.MaxValue / 2));
        var w = weight is null ? null : new GrowableArray<float>((int)Math.Min(capacityHint, int.MaxValue / 2));
        long skipped = 0, zeroWeights = 0, row = -1;
        double weightSum = 0;

        using (var cursor = data.GetRowCursor(active))
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            var getLabel = output == NetworkOutput.Softmax ? KeyGetter(cursor, label) : null;
            var getValue = output == NetworkOutput.Softmax ? null : ValueGetter(cursor, label, output);
            var getWeight = weight is null ? null : cursor.GetGetter<float>(weight.Value);
            VBuffer<float> buffer = default;
            float weightValue = 1;
            while (MoveNext(cursor))
            {
                row++;
                ulong key = 0;
                float value = 0;
                if (getLabel is not null)
                {
                    key = getLabel();
                    if (key == 0) { skipped++; continue; }
                    if (key > (ulong)classes)
                        throw new InvalidOperationException($"Label column '{labelColumn}' has key {key} at row {row}, outside its key range 1..{classes}.");
                }
                else
                {
                    value = getValue!();
                    if (!float.IsFinite(value))
                        throw new InvalidOperationException(
                            $"Label column '{labelColumn}' has a non-finite value ({value}) at row {row} of the {role} data: regression labels must be finite. " +
                            "Filter those rows out (for example with mlContext.Data.FilterRowsByMissingValues) before training.");
                }
                if (getWeight is not null)
                {
                    getWeight(ref weightValue);
                    if (!float.IsFinite(weightValue) || weightValue < 0)
                        throw new InvalidOperationException($"Example weight column '{weightColumn}' has an invalid value {weightValue} at row {row}; weights must be finite and non-negative.");
                    if (weightValue == 0) zeroWeights++;
                    weightSum += weightValue;
                }
                try { getFeatures(ref buffer); }
                catch (Exception e) when (RowReadFailure.IsReadFailure(e)) { throw RowReadFailure.Wrap(data, featureColumn, role, e); }
                var span = x.Append(size);
                buffer.CopyTo(span);
                for (int j = 0; j < span.Length; j++)
                    if (!float.IsFinite(span[j]))
                        throw new InvalidOperationException(
                            $"Features column '{featureColumn}' has a non-finite value ({span[j]}) at row {row}, slot {j} of the {role} data. " +
                            "Replace missing values (for example with ReplaceMissingValues) before training.");
                if (getLabel is not null) y.Append(1)[0] = (long)key - 1;
                else values.Append(1)[0] = value;
                if (w is not null) w.Append(1)[0] = weightValue;
            }
        }
        bool MoveNext(DataViewRowCursor cursor)
        {
            try { return cursor.MoveNext(); }
            catch (Exception e) when (RowReadFailure.IsReadFailure(e)) { throw RowReadFailure.Wrap(data, featureColumn, role, e); }
        }

        int n = output == NetworkOutput.Softmax ? y.Count : values.Count;
        if (n == 0)
            throw new InvalidOperationException(skipped > 0
                ? $"The {role} data has no usable rows: all {skipped} rows have a missing label (key 0) in column '{labelColumn}'."
                : $"The {role} data has no rows.");
        if (w is not null && zeroWeights == n)
            throw new InvalidOperationException($"Every example weight in column '{weightColumn}' of the {role} data is zero.");

        // The loss is the weight-averaged cross-entropy, summed in single precision: weights whose sum (times a loss of up
        // to a few hundred) passes float.MaxValue overflow it, which would otherwise be reported as divergence.
        if (w is not null && weightSum > float.MaxValue / 1e3)
            throw new InvalidOperationException(
                $"Example weights in column '{weightColumn}' of the {role} data sum to {weightSum:G3}: the weighted loss would overflow single precision. " +
                "Scale the weights down; only their ratios matter.");

        // Copy into memory libtorch allocates: tensor(float[]) wraps the managed array, and MKL picks GEMM code
        // paths by alignment, so computing on the wrapper directly is not bit-reproducible from run to run.
        var tensorX = Owned(x.AsSpan().ToArray(), new long[] { n, size });
        var tensorY = output == NetworkOutput.Softmax ? Owned(y.AsSpan().ToArray(), new long[] { n }) : Owned(values.AsSpan().ToArray(), new long[] { n });
        var tensorW = w is null ? null : Owned(w.AsSpan().ToArray(), new long[] { n });
        return new Result(new TensorDataset(tensorX, tensorY, classes, tensorW), skipped, zeroWeights);
    }

    private static Tensor Owned(float[] values, long[] shape)
    {
        using var wrapped = tensor(values, shape);
        return wrapped.clone();
    }

    private static Tensor Owned(long[] values, long[] shape)
    {
        using var wrapped = tensor(values, shape);
        return wrapped.clone();
    }

    /// <summary>A getter returning a binary label as 0 or 1, or a regression label as it is.</summary>
    private static Func<float> ValueGetter(DataViewRow row, DataViewSchema.Column column, NetworkOutput output)
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

    /// <summary>A list of unmanaged values appended in blocks, without per-row allocation.</summary>
    private sealed class GrowableArray<T>(int capacity) where T : unmanaged
    {
        private T[] _items = new T[Math.Max(16, capacity)];
        public int Count { get; private set; }

        public Span<T> Append(int count)
        {
            if (Count + count > _items.Length) Array.Resize(ref _items, Math.Max(_items.Length * 2, Count + count));
            var span = _items.AsSpan(Count, count);
            Count += count;
            return span;
        }

        public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, Count);
    }
}
