using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using ScottPlot;

namespace Microsoft.ML.Subspaces.Plots;

/// <summary>
/// The pictures of a subspace, each written as PNG and SVG from the plain tables the library's evaluation and
/// experiment calls return. Accuracies are plotted in percent.
/// </summary>
public static class SubspacePlots
{
    private static readonly Color[] Palette =
    {
        Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c"), Color.FromHex("#ff7f0e"),
        Color.FromHex("#9467bd"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#7f7f7f"),
    };

    /// <summary>
    /// Test accuracy along paths, t from 0 to 1: for example the learned line against the straight segment between
    /// two independently trained models (the barrier the line removes).
    /// </summary>
    public static PlotFiles AccuracyAlongPaths(string basePath, string title, params (string Label, PathEvaluation Path)[] paths)
    {
        if (paths.Length == 0) throw new ArgumentException("Give at least one path.", nameof(paths));
        var plot = new Plot();
        for (int i = 0; i < paths.Length; i++)
        {
            var points = paths[i].Path.Points;
            var line = plot.Add.Scatter(points.Select(p => p.T).ToArray(), points.Select(p => p.Accuracy * 100).ToArray(), Palette[i % Palette.Length]);
            line.LegendText = $"{paths[i].Label} (worst {paths[i].Path.Worst.Accuracy:P1})";
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }
        Finish(plot, title, "position on the path, t", "test accuracy (%)");
        return PlotFiles.Save(plot, basePath);
    }

    /// <summary>Accuracy of the ensemble of P(a) and P(1 - a) as a function of a, with optional reference levels (a standard model, say).</summary>
    public static PlotFiles SymmetricEnsembles(string basePath, string title, IReadOnlyList<SymmetricEnsemblePoint> points,
        params (string Label, double Accuracy)[] references)
    {
        if (points.Count == 0) throw new ArgumentException("No points.", nameof(points));
        var plot = new Plot();
        var line = plot.Add.Scatter(points.Select(p => p.A).ToArray(), points.Select(p => p.Accuracy * 100).ToArray(), Palette[0]);
        line.LegendText = "ensemble of P(a) and P(1 - a)";
        line.LineWidth = 2;
        for (int i = 0; i < references.Length; i++)
        {
            var level = plot.Add.HorizontalLine(references[i].Accuracy * 100, 1.5f, Palette[(i + 1) % Palette.Length], LinePattern.Dashed);
            level.LegendText = $"{references[i].Label} ({references[i].Accuracy:P1})";
        }
        Finish(plot, title, "a (0: endpoint ensemble, 0.5: midpoint alone)", "test accuracy (%)");
        return PlotFiles.Save(plot, basePath);
    }

    /// <summary>A heat map of test accuracy over a triangle (a simplex of 3 vertices), vertices labelled w1, w2, w3.</summary>
    public static PlotFiles SimplexHeatMap(string basePath, string title, IReadOnlyList<SimplexGridPoint> grid)
    {
        if (grid.Count == 0 || grid[0].Position.Length != 3) throw new ArgumentException("A simplex heat map needs grid points of a 3-vertex simplex.", nameof(grid));
        // Barycentric (t1, t2, t3) -> the plane: vertices at (0, 0), (1, 0), (0.5, sqrt(3)/2).
        static (double X, double Y) ToPlane(double[] t) => (t[1] + 0.5 * t[2], Math.Sqrt(3) / 2 * t[2]);
        var plot = new Plot();
        // Raster the triangle: each cell takes the accuracy of the nearest grid point; cells outside stay NaN (transparent).
        const int cells = 120;
        double height = Math.Sqrt(3) / 2;
        var values = new double[cells, cells];
        for (int row = 0; row < cells; row++)
            for (int col = 0; col < cells; col++)
            {
                double x = (col + 0.5) / cells, y = height * (cells - row - 0.5) / cells;
                double t3 = y / height, t2 = x - 0.5 * t3, t1 = 1 - t2 - t3;
                if (t1 < 0 || t2 < 0 || t3 < 0) { values[row, col] = double.NaN; continue; }
                var nearest = grid.MinBy(g => Math.Pow(g.Position[0] - t1, 2) + Math.Pow(g.Position[1] - t2, 2) + Math.Pow(g.Position[2] - t3, 2))!;
                values[row, col] = nearest.Accuracy * 100;
            }
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Extent = new CoordinateRect(0, 1, 0, height);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.Transparent;
        var scale = plot.Add.ColorBar(heatmap);
        scale.Label = "test accuracy (%)";
        var outline = plot.Add.Scatter(new[] { 0, 1, 0.5, 0 }, new[] { 0, 0, Math.Sqrt(3) / 2, 0 }, Colors.Black);
        outline.MarkerSize = 0;
        foreach (var (label, t) in new[] { ("w1", new[] { 1.0, 0, 0 }), ("w2", new[] { 0, 1.0, 0 }), ("w3", new[] { 0, 0, 1.0 }) })
        {
            var (x, y) = ToPlane(t);
            var text = plot.Add.Text(label, x, y + (t[2] == 1 ? 0.04 : -0.06));
            text.LabelFontSize = 14;
        }
        plot.Axes.SquareUnits();
        plot.Title(title);
        plot.HideGrid();
        // Cartesian coordinates of the triangle mean nothing to a reader: hide those axes, keep the title.
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Bottom.IsVisible = false;
        plot.Axes.Left.FrameLineStyle.Width = 0;
        plot.Axes.Bottom.FrameLineStyle.Width = 0;
        plot.Axes.Top.FrameLineStyle.Width = 0;
        plot.Axes.Right.FrameLineStyle.Width = 0;
        return PlotFiles.Save(plot, basePath, 760, 680);
    }

    /// <summary>Reliability diagrams: accuracy against confidence per bin, with the diagonal of perfect calibration.</summary>
    public static PlotFiles ReliabilityDiagram(string basePath, string title, params (string Label, ProbabilityMetrics Metrics)[] models)
    {
        if (models.Length == 0) throw new ArgumentException("Give at least one model.", nameof(models));
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 100, 100);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LineColor = Colors.Gray;
        diagonal.LegendText = "perfect calibration";
        for (int i = 0; i < models.Length; i++)
        {
            var bins = models[i].Metrics.Reliability.Where(b => b.Count > 0).ToArray();
            var line = plot.Add.Scatter(bins.Select(b => b.Confidence * 100).ToArray(), bins.Select(b => b.Accuracy * 100).ToArray(), Palette[i % Palette.Length]);
            line.LegendText = $"{models[i].Label} (ECE {models[i].Metrics.ExpectedCalibrationError:F4})";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        Finish(plot, title, "confidence: mean top probability in the bin (%)", "accuracy in the bin (%)");
        return PlotFiles.Save(plot, basePath);
    }

    /// <summary>
    /// Fast Geometric Ensembling: the cyclic learning rate per iteration (left axis) and the running ensemble
    /// accuracy after each snapshot (right axis).
    /// </summary>
    public static PlotFiles FgeSchedule(string basePath, string title, IReadOnlyList<double> learningRates,
        IReadOnlyList<(int Iteration, double EnsembleAccuracy)> snapshots)
    {
        if (learningRates.Count == 0) throw new ArgumentException("No learning rates.", nameof(learningRates));
        var plot = new Plot();
        var lr = plot.Add.Scatter(Enumerable.Range(0, learningRates.Count).Select(i => (double)i).ToArray(), learningRates.ToArray(), Palette[0]);
        lr.LegendText = "learning rate";
        lr.MarkerSize = 0;
        lr.LineWidth = 1.5f;
        if (snapshots.Count > 0)
        {
            var acc = plot.Add.Scatter(snapshots.Select(s => (double)s.Iteration).ToArray(), snapshots.Select(s => s.EnsembleAccuracy * 100).ToArray(), Palette[1]);
            acc.LegendText = "ensemble accuracy after each snapshot (%)";
            acc.Axes.YAxis = plot.Axes.Right;
            acc.MarkerSize = 7;
            acc.LineWidth = 2;
            plot.Axes.Right.Label.Text = "ensemble test accuracy (%)";
        }
        Finish(plot, title, "iteration", "learning rate");
        return PlotFiles.Save(plot, basePath);
    }

    private static void Finish(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
    }
}
