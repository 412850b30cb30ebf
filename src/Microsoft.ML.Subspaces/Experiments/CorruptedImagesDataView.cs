using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// A data view whose image features column is corrupted (<see cref="ImageCorruptions"/>): row i's image gets the
/// corruption drawn from a generator seeded by (seed, corruption, severity, i), so a row is corrupted the same way
/// however often and in whatever order it is read. Every other column passes through.
/// </summary>
internal sealed class CorruptedImagesDataView : IDataView
{
    private readonly IDataView _source;
    private readonly DataViewSchema.Column _features;
    private readonly int[] _shape;
    private readonly ImageCorruption _corruption;
    private readonly int _severity, _seed;
    private readonly float _range;

    public CorruptedImagesDataView(IDataView source, string featureColumnName, int[]? imageShape, ImageCorruption corruption, int severity, int seed, float range)
    {
        if (!Enum.IsDefined(corruption)) throw new ArgumentOutOfRangeException(nameof(corruption), corruption, "Unknown corruption.");
        if (severity < 1 || severity > ImageCorruptions.Severities) throw new ArgumentOutOfRangeException(nameof(severity), severity, "Severities are 1 to 5.");
        if (!(range > 0)) throw new ArgumentOutOfRangeException(nameof(range), range, "The pixel range must be positive (1 for [0, 1], 255 for ExtractPixels' bytes).");
        _source = source;
        int size = FeatureColumns.CheckFeatures(source.Schema, featureColumnName, out _features);
        _shape = ImageFeatureShape.Resolve(_features, imageShape, nameof(imageShape));
        if (_shape[0] * _shape[1] * _shape[2] != size)
            throw new ArgumentException($"Image shape [{string.Join(", ", _shape)}] does not hold the {size} values of features column '{featureColumnName}'.", nameof(imageShape));
        _corruption = corruption;
        _severity = severity;
        _seed = seed;
        _range = range;
    }

    /// <summary>A seed for row <paramref name="row"/>, the same in every process (HashCode is randomized per process).</summary>
    private int RowSeed(long row)
    {
        ulong h = (ulong)_seed * 0x9E3779B97F4A7C15UL ^ (ulong)_corruption * 0xC2B2AE3D27D4EB4FUL ^ (ulong)_severity * 0x165667B19E3779F9UL ^ (ulong)row;
        h ^= h >> 31; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 29;
        return (int)(h & 0x7FFFFFFF);
    }

    public DataViewSchema Schema => _source.Schema;
    public bool CanShuffle => false;
    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _source.GetRowCursor(columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(CorruptedImagesDataView parent, DataViewRowCursor inner) : DataViewRowCursor
    {
        private VBuffer<float> _buffer;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != parent._features.Index) return inner.GetGetter<TValue>(column);
            if (typeof(TValue) != typeof(VBuffer<float>)) throw new InvalidOperationException($"Column '{column.Name}' is a vector of Single, not {typeof(TValue).Name}.");
            var source = inner.GetGetter<VBuffer<float>>(column);
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                source(ref _buffer);
                var image = new float[_buffer.Length];
                _buffer.CopyTo(image);
                var random = new Random(parent.RowSeed(inner.Position));
                ImageCorruptions.Apply(image, parent._shape[0], parent._shape[1], parent._shape[2], parent._corruption, parent._severity, parent._range, random);
                var editor = VBufferEditor.Create(ref value, image.Length);
                image.CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
