using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Evaluation;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// A data view whose key-typed label column has symmetric label noise (<see cref="LabelNoise.Inject"/>): a fixed
/// permutation of the rows drawn from the seed, the first <c>fraction * N</c> of which get a uniformly drawn class
/// (possibly the true one). Every other column passes through; rows with a missing label stay missing.
/// </summary>
internal sealed class NoisyLabelDataView : ColumnMappedDataView
{
    private readonly uint[] _keys;

    public NoisyLabelDataView(IDataView source, string labelColumnName, double fraction, int seed)
        : base(source, FeatureColumns.Find(source.Schema, labelColumnName, "label"))
    {
        int classes = FeatureColumns.CheckLabel(source.Schema, labelColumnName, out var _label);
        if (((KeyDataViewType)_label.Type).RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(labelColumnName), labelColumnName, $"Label column '{labelColumnName}' must be a key of UInt32 (as MapValueToKey writes).");
        var original = new List<uint>();
        using (var cursor = source.GetRowCursor(new[] { _label }))
        {
            var get = cursor.GetGetter<uint>(_label);
            uint key = 0;
            while (cursor.MoveNext()) { get(ref key); original.Add(key); }
        }
        var noisy = LabelNoise.Inject(original.Select(k => (int)k - 1).ToArray(), fraction, classes, seed);
        _keys = original.Select((k, i) => k == 0 ? 0u : (uint)(noisy[i] + 1)).ToArray();
        ChangedRows = _keys.Where((k, i) => k != original[i]).Count();
    }

    /// <summary>Rows whose label differs from the original (at most fraction * N: some draws keep the true class).</summary>
    public int ChangedRows { get; }

    public override long? GetRowCount() => _keys.Length;

    protected override ValueGetter<TValue> MappedGetter<TValue>(DataViewRowCursor row, DataViewSchema.Column column)
    {
        if (typeof(TValue) != typeof(uint)) throw new InvalidOperationException($"Column '{column.Name}' is a key of UInt32, not {typeof(TValue).Name}.");
        ValueGetter<uint> getter = (ref uint value) => value = _keys[row.Position];
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
