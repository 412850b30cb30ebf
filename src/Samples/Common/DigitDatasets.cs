using System.Globalization;
using System.IO.Compression;
using System.Buffers.Binary;

namespace Subspaces.Samples.Common;

/// <summary>Digits as row-major features in [0, 1] and 0-based labels.</summary>
public sealed record DigitSet(float[] Features, int[] Labels, int FeatureSize)
{
    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>Rows [start, start + count).</summary>
    public DigitSet Slice(int start, int count) =>
        new(Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray(), Labels.AsSpan(start, count).ToArray(), FeatureSize);

    /// <summary>The same rows with other labels.</summary>
    public DigitSet WithLabels(int[] labels) => new(Features, labels, FeatureSize);
}

/// <summary>Readers for the shared digit data sets.</summary>
public static class DigitDatasets
{
    /// <summary>The MNIST 10k test set from the IDX files: 10,000 rows of 784 pixels scaled to [0, 1].</summary>
    public static DigitSet MnistTest10k()
    {
        var images = ReadGzip(SharedData.File("mnist-test-10k", "t10k-images-idx3-ubyte.gz"));
        var labels = ReadGzip(SharedData.File("mnist-test-10k", "t10k-labels-idx1-ubyte.gz"));
        if (BinaryPrimitives.ReadInt32BigEndian(images) != 2051 || BinaryPrimitives.ReadInt32BigEndian(labels) != 2049)
            throw new InvalidDataException("The MNIST IDX files have unexpected magic numbers.");
        int n = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        int size = rows * cols;
        var features = new float[n * size];
        for (int i = 0; i < features.Length; i++) features[i] = images[16 + i] / 255f;
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = labels[8 + i];
        return new DigitSet(features, y, size);
    }

    /// <summary>The shared MNIST split: the first 8,000 rows train, the last 2,000 test.</summary>
    public static (DigitSet Train, DigitSet Test) MnistSplit()
    {
        var all = MnistTest10k();
        return (all.Slice(0, 8000), all.Slice(8000, all.Count - 8000));
    }

    /// <summary>UCI optdigits: 64 features (0..16 scaled to [0, 1]); "tra" (3,823 rows) or "tes" (1,797 rows).</summary>
    public static DigitSet Optdigits(string part)
    {
        var lines = File.ReadAllLines(SharedData.File("optdigits", $"optdigits.{part}"));
        var features = new List<float>();
        var labels = new List<int>();
        foreach (var line in lines)
        {
            if (line.Length == 0 || char.IsLetter(line[0])) continue; // header line
            var cells = line.Split(',');
            for (int j = 0; j < 64; j++) features.Add(int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f);
            labels.Add(int.Parse(cells[64], CultureInfo.InvariantCulture));
        }
        return new DigitSet(features.ToArray(), labels.ToArray(), 64);
    }

    private static byte[] ReadGzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var m = new MemoryStream();
        gz.CopyTo(m);
        return m.ToArray();
    }
}
