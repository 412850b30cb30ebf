using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// A data view whose image features column is corrupted (<see cref="ImageCorruptions"/>): row i's image gets the
/// corruption drawn from a generator seeded by (seed, corruption, severity, i), so a row is corrupted the same way
/// however often and in whatever order it is read. Every other column passes through.
/// </summary>
internal sealed class CorruptedImagesDataView : ColumnMappedDataView
{
    private readonly int[] _shape;
    private readonly ImageCorruption _corruption;
    private readonly int _severity, _seed;
    private readonly float _range;

    public CorruptedImagesDataView(IDataView source, string featureColumnName, int[]? imageShape, ImageCorruption corruption, int severity, int seed, float range)
        : base(source, FeatureColumns.Find(source.Schema, featureColumnName, "feature"))
    {
        if (!Enum.IsDefined(corruption)) throw new ArgumentOutOfRangeException(nameof(corruption), corruption, "Unknown corruption.");
        if (severity < 1 || severity > ImageCorruptions.Severities) throw new ArgumentOutOfRangeException(nameof(severity), severity, "Severities are 1 to 5.");
        if (!(range > 0)) throw new ArgumentOutOfRangeException(nameof(range), range, "The pixel range must be positive (1 for [0, 1], 255 for ExtractPixels' bytes).");
        int size = FeatureColumns.CheckFeatures(source.Schema, featureColumnName, out var features);
        _shape = ImageFeatureShape.Resolve(features, imageShape, nameof(imageShape));
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

    protected override ValueGetter<TValue> MappedGetter<TValue>(DataViewRowCursor row, DataViewSchema.Column column)
    {
        if (typeof(TValue) != typeof(VBuffer<float>)) throw new InvalidOperationException($"Column '{column.Name}' is a vector of Single, not {typeof(TValue).Name}.");
        var source = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
        {
            source(ref buffer);
            var image = new float[buffer.Length];
            buffer.CopyTo(image);
            ImageCorruptions.Apply(image, _shape[0], _shape[1], _shape[2], _corruption, _severity, _range, new Random(RowSeed(row.Position)));
            var editor = VBufferEditor.Create(ref value, image.Length);
            image.CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
