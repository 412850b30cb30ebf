using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Small image data sets for the Images tests: MNIST digits as [1, 28, 28] vectors, and the shared PNG folders.</summary>
internal static class ImageTestData
{
    private static readonly Lazy<(DigitSet Train, DigitSet Test)> Split = new(DigitDatasets.MnistSplit);

    public sealed class Row
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>
    /// <paramref name="count"/> MNIST training rows from <paramref name="start"/> with Features typed <paramref name="dimensions"/>
    /// (default [1, 28, 28], as ExtractPixels writes; an empty array gives a plain vector of 784) and a key label 1..10 = digit + 1.
    /// </summary>
    public static IDataView Mnist(MLContext ml, int start, int count, int[]? dimensions = null, bool test = false)
    {
        var set = test ? Split.Value.Test : Split.Value.Train;
        dimensions ??= new[] { 1, 28, 28 };
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = dimensions.Length == 0
            ? new VectorDataViewType(NumberDataViewType.Single, 784)
            : new VectorDataViewType(NumberDataViewType.Single, dimensions);
        var rows = Enumerable.Range(start, count).Select(i => new Row
        {
            Label = (uint)set.Labels[i],
            Features = set.Features.AsSpan(i * 784, 784).ToArray(),
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue,
            keyData: ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(d => new { Label = (uint)d }))).Fit(data).Transform(data);
    }

    /// <summary>Rows whose Features are [3, 28, 28] (three copies of the digit), as ExtractPixels gives for color images.</summary>
    public static IDataView MnistColor(MLContext ml, int count)
    {
        var set = Split.Value.Train;
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, 28, 28);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var pixels = set.Features.AsSpan(i * 784, 784).ToArray();
            return new Row { Label = (uint)set.Labels[i] + 1, Features = pixels.Concat(pixels).Concat(pixels).ToArray() };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>The first <paramref name="perDigit"/> PNG files of each digit folder of <paramref name="split"/>, relative to the mnist-png folder.</summary>
    public static List<PathRow> Pngs(string split, int perDigit, int skip = 0) =>
        Enumerable.Range(0, 10).SelectMany(d =>
                Directory.GetFiles(Path.Combine(PngRoot, split, d.ToString()), "*.png").OrderBy(f => f, StringComparer.Ordinal).Skip(skip).Take(perDigit)
                    .Select(f => new PathRow { ImagePath = Path.GetRelativePath(PngRoot, f), Label = d.ToString() }))
            .ToList();

    public static string PngRoot => SharedData.File("mnist-png");
}
