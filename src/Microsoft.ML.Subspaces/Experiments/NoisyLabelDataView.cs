using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Evaluation;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// A data view whose key-typed label column has symmetric label noise (<see cref="LabelNoise.Inject"/>): a fixed
/// permutation of the rows drawn from the seed, the first <c>fraction * N</c> of which get a uniformly drawn class
/// (possibly the true one). Every other column passes through; rows with a missing label stay missing.
/// </summary>
internal sealed class NoisyLabelDataView : IDataView
{
    private readonly IDataView _source;
    private readonly DataViewSchema.Column _label;
    private readonly uint[] _keys;

    public NoisyLabelDataView(IDataView source, string labelColumnName, double fraction, int seed)
    {
        _source = source;
        int classes = FeatureColumns.CheckLabel(source.Schema, labelColumnName, out _label);
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

    public DataViewSchema Schema => _source.Schema;
    public bool CanShuffle => false;
    public long? GetRowCount() => _keys.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _source.GetRowCursor(columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(NoisyLabelDataView parent, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => parent.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != parent._label.Index) return inner.GetGetter<TValue>(column);
            if (typeof(TValue) != typeof(uint)) throw new InvalidOperationException($"Column '{column.Name}' is a key of UInt32, not {typeof(TValue).Name}.");
            ValueGetter<uint> getter = (ref uint value) => value = parent._keys[inner.Position];
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
