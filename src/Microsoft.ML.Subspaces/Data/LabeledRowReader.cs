using System.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// Reads the training rows of an <see cref="IDataView"/> one at a time, checked: the features (finite), the label (a class
/// index from a key, skipping missing keys; 0/1 from a Boolean; a finite Single) and the weight (finite, non-negative), with
/// errors naming the column and the row. What both the in-memory reader and the streamed source read through.
/// </summary>
internal sealed class LabeledRowReader : IDisposable
{
    private readonly IDataView _data;
    private readonly string _featureColumn, _labelColumn, _role;
    private readonly string? _weightColumn;
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _getFeatures;
    private readonly Func<ulong>? _getKey;
    private readonly Func<float>? _getValue;
    private readonly ValueGetter<float>? _getWeight;
    private VBuffer<float> _buffer;
    private float _weight = 1;

    /// <summary>The columns of a labeled data view for a task, checked (errors name the column).</summary>
    public sealed record Columns(DataViewSchema.Column Features, DataViewSchema.Column Label, DataViewSchema.Column? Weight, int FeatureSize, int ClassCount, NetworkOutput Output);

    public static Columns Check(DataViewSchema schema, string featureColumn, string labelColumn, string? weightColumn, NetworkOutput output)
    {
        int size = FeatureColumns.CheckFeatures(schema, featureColumn, out var features);
        int classes = 1;
        DataViewSchema.Column label;
        if (output == NetworkOutput.Softmax) classes = FeatureColumns.CheckLabel(schema, labelColumn, out label);
        else if (output == NetworkOutput.Sigmoid) FeatureColumns.CheckBinaryLabel(schema, labelColumn, out label);
        else FeatureColumns.CheckRegressionLabel(schema, labelColumn, out label);
        FeatureColumns.CheckWeight(schema, weightColumn, out var weight);
        return new Columns(features, label, weight, size, classes, output);
    }

    public LabeledRowReader(IDataView data, Columns columns, string? weightColumn, string role)
    {
        _data = data;
        ColumnsRead = columns;
        _featureColumn = columns.Features.Name;
        _labelColumn = columns.Label.Name;
        _weightColumn = weightColumn;
        _role = role;
        var active = new List<DataViewSchema.Column> { columns.Features, columns.Label };
        if (columns.Weight is { } w) active.Add(w);
        _cursor = data.GetRowCursor(active);
        _getFeatures = _cursor.GetGetter<VBuffer<float>>(columns.Features);
        if (columns.Output == NetworkOutput.Softmax) _getKey = DataViewTensorReader.KeyGetter(_cursor, columns.Label);
        else _getValue = DataViewTensorReader.ValueGetter(_cursor, columns.Label, columns.Output);
        _getWeight = columns.Weight is { } weight ? _cursor.GetGetter<float>(weight) : null;
    }

    public Columns ColumnsRead { get; }

    /// <summary>0-based index of the current row in the view (skipped rows counted).</summary>
    public long Row { get; private set; } = -1;
    /// <summary>Rows skipped because their class label was missing (key 0).</summary>
    public long Skipped { get; private set; }
    /// <summary>Rows read whose weight is 0.</summary>
    public long ZeroWeights { get; private set; }
    /// <summary>Sum of the weights read.</summary>
    public double WeightSum { get; private set; }

    /// <summary>The current row's class (0-based; multiclass) or value (0/1 binary; the label for regression).</summary>
    public long ClassIndex { get; private set; }
    /// <inheritdoc cref="ClassIndex"/>
    public float Value { get; private set; }
    /// <summary>The current row's weight (1 without a weight column).</summary>
    public float Weight => _weight;

    /// <summary>Moves to the next usable row and copies its features into <paramref name="features"/>; false at the end.</summary>
    public bool MoveNext(Span<float> features)
    {
        while (true)
        {
            bool moved;
            try { moved = _cursor.MoveNext(); }
            catch (Exception e) when (RowReadFailure.IsReadFailure(e)) { throw RowReadFailure.Wrap(_data, _featureColumn, _role, e); }
            if (!moved) return false;
            Row++;
            if (_getKey is not null)
            {
                ulong key = _getKey();
                if (key == 0) { Skipped++; continue; }
                if (key > (ulong)ColumnsRead.ClassCount)
                    throw new InvalidOperationException($"Label column '{_labelColumn}' has key {key} at row {Row}, outside its key range 1..{ColumnsRead.ClassCount}.");
                ClassIndex = (long)key - 1;
            }
            else
            {
                Value = _getValue!();
                if (!float.IsFinite(Value))
                    throw new InvalidOperationException(
                        $"Label column '{_labelColumn}' has a non-finite value ({Value}) at row {Row} of the {_role} data: regression labels must be finite. " +
                        "Filter those rows out (for example with mlContext.Data.FilterRowsByMissingValues) before training.");
            }
            if (_getWeight is not null)
            {
                _getWeight(ref _weight);
                if (!float.IsFinite(_weight) || _weight < 0)
                    throw new InvalidOperationException($"Example weight column '{_weightColumn}' has an invalid value {_weight} at row {Row}; weights must be finite and non-negative.");
                if (_weight == 0) ZeroWeights++;
                WeightSum += _weight;
            }
            try { _getFeatures(ref _buffer); }
            catch (Exception e) when (RowReadFailure.IsReadFailure(e)) { throw RowReadFailure.Wrap(_data, _featureColumn, _role, e); }
            if (_buffer.Length != features.Length)
                throw new InvalidOperationException($"Features column '{_featureColumn}' has {_buffer.Length} values at row {Row}; expected {features.Length}.");
            _buffer.CopyTo(features);
            if (FirstNonFinite(features) is int j and >= 0)
                throw new InvalidOperationException(
                    $"Features column '{_featureColumn}' has a non-finite value ({features[j]}) at row {Row}, slot {j} of the {_role} data. " +
                    "Replace missing values (for example with ReplaceMissingValues) before training.");
            return true;
        }
    }

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1: a vector at a time (x - x is 0 only for finite x).</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break; // the scalar loop below finds which
            }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    public void Dispose() => _cursor.Dispose();
}
