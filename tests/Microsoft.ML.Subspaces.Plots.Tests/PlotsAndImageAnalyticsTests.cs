using System.Xml.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Plots;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Issue 14, item 5: an application that reads images through ML.NET's ImageAnalytics (SkiaSharp 2.88) can draw the
/// plots in the same process. With ScottPlot 5 (SkiaSharp 3) ImageAnalytics failed there with a MissingMethodException.
/// </summary>
public sealed class PlotsAndImageAnalyticsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "subspaces-plots-images-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
    }

    /// <summary>Real MNIST PNGs (one per digit) through LoadImages, ResizeImages and ExtractPixels: one float vector of 3 x 28 x 28 per image.</summary>
    private static float[][] ExtractPixels()
    {
        string root = SharedData.File("mnist-png");
        var rows = Enumerable.Range(0, 10)
            .Select(d => Directory.GetFiles(Path.Combine(root, "train", d.ToString()), "*.png").OrderBy(f => f, StringComparer.Ordinal).First())
            .Select(f => new ImageRow { ImagePath = Path.GetRelativePath(root, f) })
            .ToList();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.LoadImages("Image", root, nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", 28, 28)) // ExtractPixels needs a known size; the digits are 28 x 28 already
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"));
        var transformed = pipeline.Fit(data).Transform(data);
        return transformed.GetColumn<VBuffer<float>>("Pixels").Select(v => v.DenseValues().ToArray()).ToArray();
    }

    private static void AssertDigits(float[][] images)
    {
        Assert.Equal(10, images.Length);
        foreach (var pixels in images)
        {
            Assert.Equal(3 * 28 * 28, pixels.Length);
            // A white digit on black: some pixels at full intensity, most dark, neither all nor none lit.
            int lit = pixels.Count(p => p > 127);
            Assert.InRange(pixels.Max(), 200f, 255f);
            Assert.Equal(0f, pixels.Min());
            Assert.InRange(lit, pixels.Length / 50, pixels.Length / 2);
        }
        // Ten different digits give ten different images.
        Assert.Equal(10, images.Select(p => string.Join(",", p)).Distinct().Count());
    }

    private static void AssertValid(PlotFiles files)
    {
        var png = File.ReadAllBytes(files.Png);
        Assert.True(png.Length > 1024, $"{files.Png} is only {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.True(new FileInfo(files.Svg).Length > 1024, $"{files.Svg} is too small");
        var svg = XDocument.Load(files.Svg);
        Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Root!.Name);
    }

    [Fact]
    public void PlotsRenderInAProcessThatReadsImagesThroughImageAnalytics()
    {
        var before = ExtractPixels();
        AssertDigits(before);

        static PathEvaluation Path(Func<double, double> accuracy) =>
            new(Enumerable.Range(0, 11).Select(i => i / 10.0).Select(t => new PathPoint(t, accuracy(t), 0.2, 0.01)).ToArray());
        string Base(string name) => System.IO.Path.Combine(_folder, name);
        var grid = new List<SimplexGridPoint>();
        for (int i = 0; i <= 4; i++)
            for (int j = 0; i + j <= 4; j++)
                grid.Add(new SimplexGridPoint(new[] { i / 4.0, j / 4.0, (4 - i - j) / 4.0 }, 0.9 + 0.01 * i, 0.3));
        var labels = Enumerable.Range(0, 100).Select(i => i % 2).ToArray();
        var probabilities = labels.SelectMany(l => l == 0 ? new[] { 0.8f, 0.2f } : new[] { 0.3f, 0.7f }).ToArray();
        var plots = new[]
        {
            SubspacePlots.AccuracyAlongPaths(Base("paths"), "Paths", ("line", Path(t => 0.96 - 0.01 * Math.Sin(Math.PI * t)))),
            SubspacePlots.SymmetricEnsembles(Base("ensembles"), "Ensembles",
                Enumerable.Range(0, 6).Select(i => new SymmetricEnsemblePoint(i * 0.1, 0.965 - i * 0.002, 0.12, 0.01)).ToArray(), ("standard", 0.962)),
            SubspacePlots.SimplexHeatMap(Base("simplex"), "Simplex", grid),
            SubspacePlots.ReliabilityDiagram(Base("reliability"), "Reliability", ("standard", ProbabilityMetrics.Compute(probabilities, labels, 2))),
            SubspacePlots.FgeSchedule(Base("fge"), "FGE", Enumerable.Range(0, 100).Select(i => 0.05 - 0.0004 * i).ToArray(), new[] { (50, 0.95), (99, 0.96) }),
        };
        foreach (var files in plots) AssertValid(files);

        // ImageAnalytics still works after the plots have drawn, and reads the same pixels.
        var after = ExtractPixels();
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);

        // One SkiaSharp in the process, and the 2.x that ImageAnalytics was built against.
        var skia = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "SkiaSharp").ToArray();
        Assert.Single(skia);
        Assert.Equal(2, skia[0].GetName().Version!.Major);
    }
}
