using System.Xml.Linq;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Plots;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Every plot is written as a non-empty, valid PNG and a well-formed SVG with its labels.</summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "subspaces-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static void AssertValid(PlotFiles files, params string[] expectedTexts)
    {
        var png = File.ReadAllBytes(files.Png);
        Assert.True(png.Length > 5000, $"PNG is only {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        var svg = XDocument.Load(files.Svg);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        string text = File.ReadAllText(files.Svg);
        foreach (var expected in expectedTexts) Assert.Contains(expected, text);
    }

    private static PathEvaluation Path(Func<double, double> accuracy) =>
        new(Enumerable.Range(0, 11).Select(i => i / 10.0).Select(t => new PathPoint(t, accuracy(t), 0.2, 0.01)).ToArray());

    [Fact]
    public void AccuracyUnderCorruptionIsWritten()
    {
        var rows = new List<CorruptionRow>();
        foreach (var model in new[] { "standard", "line midpoint" })
        {
            rows.Add(new CorruptionRow(model, null, 0, 0.97, 0.1, 0.01));
            foreach (var corruption in Enum.GetValues<ImageCorruption>())
                for (int severity = 1; severity <= 5; severity++)
                    rows.Add(new CorruptionRow(model, corruption, severity, 0.97 - 0.08 * severity, 0.5, 0.05));
        }
        var files = SubspacePlots.AccuracyUnderCorruption(System.IO.Path.Combine(_folder, "corruption"), "Accuracy under corruption", rows);
        AssertValid(files, "line midpoint", "severity");
    }

    [Fact]
    public void EnsemblesWithStartIsWritten()
    {
        var points = Enumerable.Range(0, 11).Select(i => new StartEnsemblePoint(i / 10.0, 0.96 - 0.01 * Math.Sin(Math.PI * i / 10.0), 0.15, 0.96 + 0.002 * i / 10.0, 0.13)).ToArray();
        var files = SubspacePlots.EnsemblesWithStart(System.IO.Path.Combine(_folder, "start"), "Ensembles with w0", points);
        AssertValid(files, "ensemble of w0 and phi(t)", "phi(t) alone");
    }

    [Fact]
    public void EnsemblesBySizeIsWritten()
    {
        var points = Enumerable.Range(1, 5).SelectMany(m => new[]
        {
            new EnsembleSizePoint("ensemble", m, m * 670_000L, 0.96 + 0.002 * m, 0.14),
            new EnsembleSizePoint("WA(1)-ensemble", m, 660_000L + m * 5_130L, 0.96 + 0.001 * m, 0.15),
        }).ToArray();
        var files = SubspacePlots.EnsemblesBySize(System.IO.Path.Combine(_folder, "by-size"), "WA-ensembles", points);
        AssertValid(files, "WA(1)-ensemble (m = 1..5)", "distinct parameters (millions)");
    }

    [Fact]
    public void AccuracyAlongPathsIsWritten()
    {
        var files = SubspacePlots.AccuracyAlongPaths(System.IO.Path.Combine(_folder, "paths"), "Accuracy along paths",
            ("learned line", Path(t => 0.96 - 0.005 * Math.Sin(Math.PI * t))),
            ("segment between two models", Path(t => 0.96 - 0.07 * Math.Sin(Math.PI * t))));
        AssertValid(files, "learned line", "test accuracy (%)", "position on the path, t");
    }

    [Fact]
    public void SymmetricEnsemblesIsWritten()
    {
        var points = Enumerable.Range(0, 6).Select(i => new SymmetricEnsemblePoint(i * 0.1, 0.965 - i * 0.002, 0.12, 0.01)).ToArray();
        AssertValid(SubspacePlots.SymmetricEnsembles(System.IO.Path.Combine(_folder, "ensembles"), "Symmetric ensembles", points, ("standard", 0.962)),
            "standard", "test accuracy (%)");
    }

    [Fact]
    public void SimplexHeatMapIsWritten()
    {
        var grid = new List<SimplexGridPoint>();
        for (int i = 0; i <= 4; i++)
            for (int j = 0; i + j <= 4; j++)
                grid.Add(new SimplexGridPoint(new[] { i / 4.0, j / 4.0, (4 - i - j) / 4.0 }, 0.9 + 0.01 * i, 0.3));
        AssertValid(SubspacePlots.SimplexHeatMap(System.IO.Path.Combine(_folder, "simplex"), "Simplex", grid), "w1", "w3", "test accuracy (%)");
    }

    [Fact]
    public void ReliabilityDiagramIsWritten()
    {
        var labels = Enumerable.Range(0, 200).Select(i => i % 2).ToArray();
        var p = labels.SelectMany((l, i) => i % 5 == 0 ? new[] { 0.3f + (1 - l) * 0.0f, 0.7f } : l == 0 ? new[] { 0.8f, 0.2f } : new[] { 0.1f, 0.9f }).ToArray();
        var metrics = ProbabilityMetrics.Compute(p, labels, 2);
        AssertValid(SubspacePlots.ReliabilityDiagram(System.IO.Path.Combine(_folder, "reliability"), "Reliability", ("standard", metrics)),
            "perfect calibration", "ECE");
    }

    [Fact]
    public void FgeScheduleIsWritten()
    {
        var lr = Enumerable.Range(0, 400).Select(i => { double t = i % 100 / 100.0; return t < 0.5 ? 0.05 * (1 - 2 * t) + 1e-3 * 2 * t : 0.05 * (2 * t - 1) + 1e-3 * (2 - 2 * t); }).ToArray();
        var snapshots = new[] { (50, 0.95), (150, 0.958), (250, 0.961), (350, 0.962) };
        AssertValid(SubspacePlots.FgeSchedule(System.IO.Path.Combine(_folder, "fge"), "FGE", lr, snapshots), "learning rate", "iteration");
    }

    /// <summary>
    /// One snapshot is a flat accuracy range; OxyPlot alone would widen it to half its value either side (95% on an
    /// axis up to 143%). No tick label may pass 100 here: iterations stop at 60 and accuracies stay near 95%.
    /// </summary>
    [Fact]
    public void OneFgeSnapshotKeepsAccuracyAxisNearItsValue()
    {
        var lr = Enumerable.Range(0, 60).Select(i => 0.05 - 0.0008 * i).ToArray();
        var files = SubspacePlots.FgeSchedule(System.IO.Path.Combine(_folder, "fge-one"), "FGE", lr, new[] { (30, 0.952) });
        AssertValid(files, "ensemble test accuracy (%)");
        var numbers = XDocument.Load(files.Svg).Descendants().Where(e => e.Name.LocalName == "text")
            .Select(e => double.TryParse(e.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : double.NaN)
            .Where(double.IsFinite).ToList();
        Assert.Contains(numbers, v => v > 94 && v < 96);
        Assert.All(numbers, v => Assert.True(v <= 100, $"tick label {v}"));
    }
}
