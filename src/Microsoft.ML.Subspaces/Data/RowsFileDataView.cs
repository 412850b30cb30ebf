using System.Runtime.InteropServices;
using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// A rows file (<see cref="RowsFile"/>) as an <see cref="IDataView"/>: the features column (a known-size vector of
/// Single) and the label column (Single, Boolean, or a UInt32 key with its key values as text), read front to back in
/// chunks of rows by every cursor. Holds no rows in memory beyond one chunk per cursor.
/// </summary>
internal sealed class RowsFileDataView : IDataView
{
    private const int ChunkBytes = 1 << 20;
    private readonly string _path;
    private readonly RowsFile.Header _header;

    public RowsFileDataView(string path)
    {
        _path = Path.GetFullPath(path);
        _header = RowsFile.ReadHeader(_path);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(_header.FeatureColumn, new VectorDataViewType(NumberDataViewType.Single, _header.FeatureSize));
        switch (_header.Label)
        {
            case RowsFile.LabelKind.Single: builder.AddColumn(_header.LabelColumn, NumberDataViewType.Single); break;
            case RowsFile.LabelKind.Boolean: builder.AddColumn(_header.LabelColumn, BooleanDataViewType.Instance); break;
            default:
                DataViewSchema.Annotations? annotations = null;
                if (_header.KeyValues.Length > 0)
                {
                    var values = _header.KeyValues;
                    var meta = new DataViewSchema.Annotations.Builder();
                    meta.Add(AnnotationKinds.KeyValues, new VectorDataViewType(TextDataViewType.Instance, values.Length), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> dst) =>
                    {
                        var editor = VBufferEditor.Create(ref dst, values.Length);
                        for (int i = 0; i < values.Length; i++) editor.Values[i] = values[i].AsMemory();
                        dst = editor.Commit();
                    }));
                    annotations = meta.ToAnnotations();
                }
                builder.AddColumn(_header.LabelColumn, new KeyDataViewType(typeof(uint), _header.KeyCount), annotations);
                break;
        }
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _header.Rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly RowsFileDataView _view;
        private readonly HashSet<int> _active;
        private readonly FileStream _stream;
        private readonly byte[] _chunk;
        private readonly int _rowBytes, _chunkRows;
        private int _rowsInChunk, _rowInChunk = -1;
        private long _position = -1;

        public Cursor(RowsFileDataView view, HashSet<int> active)
        {
            _view = view;
            _active = active;
            _rowBytes = view._header.RowBytes;
            _chunkRows = Math.Max(1, ChunkBytes / _rowBytes);
            _chunk = new byte[(long)_chunkRows * _rowBytes];
            _stream = new FileStream(view._path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            _stream.Position = view._header.DataOffset;
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (_position + 1 >= _view._header.Rows) return false;
            if (++_rowInChunk >= _rowsInChunk)
            {
                int rows = (int)Math.Min(_chunkRows, _view._header.Rows - (_position + 1));
                _stream.ReadExactly(_chunk, 0, rows * _rowBytes); // the header checked the file's length
                _rowsInChunk = rows;
                _rowInChunk = 0;
            }
            _position++;
            return true;
        }

        private ReadOnlySpan<byte> Row => _chunk.AsSpan(_rowInChunk * _rowBytes, _rowBytes);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            var header = _view._header;
            int size = header.FeatureSize;
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, size);
                    MemoryMarshal.Cast<byte, float>(Row[..(size * sizeof(float))]).CopyTo(editor.Values);
                    dst = editor.Commit();
                }),
                _ => header.Label switch
                {
                    RowsFile.LabelKind.Single => (ValueGetter<float>)((ref float v) => v = MemoryMarshal.Read<float>(Row[(size * sizeof(float))..])),
                    RowsFile.LabelKind.Boolean => (ValueGetter<bool>)((ref bool v) => v = Row[size * sizeof(float)] != 0),
                    _ => (ValueGetter<uint>)((ref uint v) => v = MemoryMarshal.Read<uint>(Row[(size * sizeof(float))..])),
                },
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _stream.Dispose();
            base.Dispose(disposing);
        }
    }
}
