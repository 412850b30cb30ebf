using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// A data view that passes every column of its source through but one, whose values a derived class computes from the
/// source row (a noisy label, a corrupted image): the experiments' way to alter test or training data without copying it.
/// </summary>
internal abstract class ColumnMappedDataView(IDataView source, DataViewSchema.Column mapped) : IDataView
{
    protected IDataView Source { get; } = source;

    /// <summary>The column whose values this view computes.</summary>
    protected DataViewSchema.Column Mapped { get; } = mapped;

    public DataViewSchema Schema => Source.Schema;
    public bool CanShuffle => false;
    public virtual long? GetRowCount() => Source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, Source.GetRowCursor(columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>The getter of the mapped column over <paramref name="row"/> (the source's cursor), as <typeparamref name="TValue"/>.</summary>
    protected abstract ValueGetter<TValue> MappedGetter<TValue>(DataViewRowCursor row, DataViewSchema.Column column);

    private sealed class Cursor(ColumnMappedDataView parent, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => parent.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index == parent.Mapped.Index ? parent.MappedGetter<TValue>(inner, column) : inner.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
