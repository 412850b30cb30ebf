using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>Reads the features of a sample of training rows (no labels needed) into a float64 <c>[N, D]</c> tensor.</summary>
internal static class FeatureSample
{
    /// <summary>
    /// Reads column <paramref name="featureColumn"/> of <paramref name="data"/>; when it has more than
    /// <paramref name="maxRows"/> rows, keeps a uniform random subset of that size (seeded), in data order.
    /// </summary>
    public static Tensor Read(IDataView data, string featureColumn, int expectedSize, int maxRows, int seed, CancellationToken cancellationToken = default)
    {
        int size = FeatureColumns.CheckFeatures(data.Schema, featureColumn, out var column);
        if (size != expectedSize)
            throw new ArgumentException($"Features column '{featureColumn}' of the training data has {size} values; the networks take {expectedSize}.", nameof(data));
        var values = new List<float[]>();
        using (var cursor = data.GetRowCursor(new[] { column }))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            long row = -1;
            while (cursor.MoveNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                row++;
                getter(ref buffer);
                var dense = new float[size];
                buffer.CopyTo(dense);
                for (int j = 0; j < size; j++)
                    if (!float.IsFinite(dense[j]))
                        throw new InvalidOperationException($"Features column '{featureColumn}' has a non-finite value ({dense[j]}) at row {row}, slot {j} of the training data.");
                values.Add(dense);
            }
        }
        if (values.Count == 0) throw new ArgumentException("The training data has no rows.", nameof(data));
        IEnumerable<int> rows = Enumerable.Range(0, values.Count);
        if (values.Count > maxRows)
        {
            var order = Enumerable.Range(0, values.Count).ToArray();
            var random = new Random(seed);
            for (int i = 0; i < maxRows; i++)
            {
                int j = random.Next(i, order.Length);
                (order[i], order[j]) = (order[j], order[i]);
            }
            rows = order.Take(maxRows).Order();
        }
        var picked = rows.ToArray();
        var flat = new float[(long)picked.Length * size];
        for (int i = 0; i < picked.Length; i++) values[picked[i]].CopyTo(flat, (long)i * size);
        using var f = tensor(flat, new long[] { picked.Length, size });
        return f.to_type(ScalarType.Float64);
    }
}
