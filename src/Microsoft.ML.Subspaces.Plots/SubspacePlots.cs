using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Microsoft.ML.Subspaces.Plots;

/// <summary>
/// The pictures of a subspace, each written as PNG and SVG from the plain tables the library's evaluation and
/// experiment calls return. Accuracies are plotted in percent.
/// </summary>
public static class SubspacePlots
{
    private static readonly OxyColor[] Palette =
    {
        OxyColor.Parse("#1f77b4"), OxyColor.Parse("#d62728"), OxyColor.Parse("#2ca02c"), OxyColor.Parse("#ff7f0e"),
        OxyColor.Parse("#9467bd"), OxyColor.Parse("#8c564b"), OxyColor.Parse("#e377c2"), OxyColor.Parse("#7f7f7f"),
    };

    private static readonly OxyColor GridColor = OxyColor.FromRgb(0xe5, 0xe5, 0xe5);

    /// <summary>
    /// Test accuracy along paths, t from 0 to 1: for example the learned line against the straight segment between
    /// two independently trained models (the barrier the line removes).
    /// </summary>
    public static PlotFiles AccuracyAlongPaths(string basePath, string title, params (string Label, PathEvaluation Path)[] paths)
    {
        if (paths.Length == 0) throw new ArgumentException("Give at least one path.", nameof(paths));
        var plot = NewPlot(title);
        for (int i = 0; i < paths.Length; i++)
        {
            var points = paths[i].Path.Points;
            var line = Line($"{paths[i].Label} (worst {paths[i].Path.Worst.Accuracy:P1})", Palette[i % Palette.Length], 2, markerSize: 2.5);
            line.Points.AddRange(points.Select(p => new DataPoint(p.T, p.Accuracy * 100)));
            plot.Series.Add(line);
        }
        Finish(plot, "position on the path, t", "test accuracy (%)");
        return Save(plot, basePath);
    }

    /// <summary>
    /// Robustness to input corruption: each model's accuracy against severity (0: the clean images; 1 to 5: the mean over
    /// the corruptions of <see cref="SubspaceExperiments.CorruptionRobustness"/>).
    /// </summary>
    public static PlotFiles AccuracyUnderCorruption(string basePath, string title, IReadOnlyList<CorruptionRow> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("No rows.", nameof(rows));
        var plot = NewPlot(title);
        var models = rows.Select(r => r.Model).Distinct().ToArray();
        for (int i = 0; i < models.Length; i++)
        {
            var mine = rows.Where(r => r.Model == models[i]).ToList();
            var line = Line(models[i], Palette[i % Palette.Length], 2, markerSize: 3);
            line.Points.AddRange(mine.GroupBy(r => r.Severity).OrderBy(g => g.Key).Select(g => new DataPoint(g.Key, g.Average(r => r.Accuracy) * 100)));
            plot.Series.Add(line);
        }
        Finish(plot, "severity (0: clean images; 1-5: mean over the corruptions)", "test accuracy (%)");
        var severity = plot.Axes.First(a => a.Position == AxisPosition.Bottom);
        severity.MajorStep = severity.MinorStep = 1; // whole severities only
        plot.Legends[0].LegendPosition = LegendPosition.TopRight; // accuracy falls to the right: the top right is free
        return Save(plot, basePath);
    }

    /// <summary>
    /// Garipov et al.'s ensemble of a curve's start w0 with its point phi(t): accuracy of phi(t) alone and of the two-model
    /// ensemble as functions of t (<see cref="SubspaceExperiments.EnsemblesWithStart"/>).
    /// </summary>
    public static PlotFiles EnsemblesWithStart(string basePath, string title, IReadOnlyList<StartEnsemblePoint> points)
    {
        if (points.Count == 0) throw new ArgumentException("No points.", nameof(points));
        var plot = NewPlot(title);
        var alone = Line("phi(t) alone", Palette[0], 2, markerSize: 2.5);
        alone.Points.AddRange(points.Select(p => new DataPoint(p.T, p.Accuracy * 100)));
        var pair = Line("ensemble of w0 and phi(t)", Palette[1], 2, markerSize: 2.5);
        pair.Points.AddRange(points.Select(p => new DataPoint(p.T, p.EnsembleAccuracy * 100)));
        plot.Series.Add(alone);
        plot.Series.Add(pair);
        Finish(plot, "position on the curve, t (0: w0)", "test accuracy (%)");
        return Save(plot, basePath);
    }

    /// <summary>
    /// Ensembles by size, as in Anokhin and Yarotsky's WA-ensemble figure: test accuracy against the ensemble's distinct
    /// parameters (in millions), one line per kind of ensemble, a marker per member count
    /// (<see cref="SubspaceExperiments.WeightAdjustedEnsembles"/>).
    /// </summary>
    public static PlotFiles EnsemblesBySize(string basePath, string title, IReadOnlyList<EnsembleSizePoint> points)
    {
        if (points.Count == 0) throw new ArgumentException("No points.", nameof(points));
        var plot = NewPlot(title);
        var kinds = points.Select(p => p.Ensemble).Distinct().ToArray();
        for (int i = 0; i < kinds.Length; i++)
        {
            var mine = points.Where(p => p.Ensemble == kinds[i]).OrderBy(p => p.Members).ToList();
            var line = Line($"{kinds[i]} (m = {mine.Min(p => p.Members)}..{mine.Max(p => p.Members)})", Palette[i % Palette.Length], 2, markerSize: 3.5);
            line.Points.AddRange(mine.Select(p => new DataPoint(p.Parameters / 1e6, p.Accuracy * 100)));
            plot.Series.Add(line);
        }
        Finish(plot, "distinct parameters (millions)", "test accuracy (%)");
        plot.Legends[0].LegendPosition = LegendPosition.BottomRight; // accuracy rises with size: the bottom right is free
        return Save(plot, basePath);
    }

    /// <summary>Accuracy of the ensemble of P(a) and P(1 - a) as a function of a, with optional reference levels (a standard model, say).</summary>
    public static PlotFiles SymmetricEnsembles(string basePath, string title, IReadOnlyList<SymmetricEnsemblePoint> points,
        params (string Label, double Accuracy)[] references)
    {
        if (points.Count == 0) throw new ArgumentException("No points.", nameof(points));
        var plot = NewPlot(title);
        var line = Line("ensemble of P(a) and P(1 - a)", Palette[0], 2, markerSize: 2.5);
        line.Points.AddRange(points.Select(p => new DataPoint(p.A, p.Accuracy * 100)));
        plot.Series.Add(line);
        // A reference level is a dashed series across the plotted range of a (a series, unlike an annotation, has a legend entry).
        double from = points.Min(p => p.A), to = points.Max(p => p.A);
        if (from == to) { from -= 0.05; to += 0.05; }
        for (int i = 0; i < references.Length; i++)
        {
            var level = Line($"{references[i].Label} ({references[i].Accuracy:P1})", Palette[(i + 1) % Palette.Length], 1.5);
            level.LineStyle = LineStyle.Dash;
            level.Points.Add(new DataPoint(from, references[i].Accuracy * 100));
            level.Points.Add(new DataPoint(to, references[i].Accuracy * 100));
            plot.Series.Add(level);
        }
        Finish(plot, "a (0: endpoint ensemble, 0.5: midpoint alone)", "test accuracy (%)");
        return Save(plot, basePath);
    }

    /// <summary>A heat map of test accuracy over a triangle (a simplex of 3 vertices), vertices labelled w1, w2, w3.</summary>
    public static PlotFiles SimplexHeatMap(string basePath, string title, IReadOnlyList<SimplexGridPoint> grid)
    {
        if (grid.Count == 0 || grid[0].Position.Length != 3) throw new ArgumentException("A simplex heat map needs grid points of a 3-vertex simplex.", nameof(grid));
        // Barycentric (t1, t2, t3) -> the plane: vertices at (0, 0), (1, 0), (0.5, sqrt(3)/2).
        static (double X, double Y) ToPlane(double[] t) => (t[1] + 0.5 * t[2], Math.Sqrt(3) / 2 * t[2]);
        var plot = NewPlot(title);
        // Equal scales on both axes: the triangle stays equilateral.
        plot.PlotType = PlotType.Cartesian;
        plot.PlotAreaBorderThickness = new OxyThickness(0);
        // Raster the triangle: each cell takes the accuracy of the nearest grid point; cells outside stay NaN (transparent).
        // OxyPlot's heat map data is indexed [x, y], y upwards.
        const int cells = 120;
        double height = Math.Sqrt(3) / 2;
        var values = new double[cells, cells];
        for (int row = 0; row < cells; row++)
            for (int col = 0; col < cells; col++)
            {
                double x = (col + 0.5) / cells, y = height * (row + 0.5) / cells;
                double t3 = y / height, t2 = x - 0.5 * t3, t1 = 1 - t2 - t3;
                if (t1 < 0 || t2 < 0 || t3 < 0) { values[col, row] = double.NaN; continue; }
                var nearest = grid.MinBy(g => Math.Pow(g.Position[0] - t1, 2) + Math.Pow(g.Position[1] - t2, 2) + Math.Pow(g.Position[2] - t3, 2))!;
                values[col, row] = nearest.Accuracy * 100;
            }
        double low = grid.Min(g => g.Accuracy) * 100, high = grid.Max(g => g.Accuracy) * 100;
        if (low == high) { low -= 0.5; high += 0.5; }
        plot.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right,
            Palette = OxyPalettes.Viridis(256),
            InvalidNumberColor = OxyColors.Transparent,
            Minimum = low,
            Maximum = high,
            Title = "test accuracy (%)",
            TitleFontWeight = FontWeights.Bold,
            TitleFontSize = 14,
            MajorGridlineStyle = LineStyle.None,
        });
        // Cartesian coordinates of the triangle mean nothing to a reader: hide those axes, keep the title.
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = -0.08, Maximum = 1.08, IsAxisVisible = false, IsZoomEnabled = false });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Minimum = -0.1, Maximum = height + 0.08, IsAxisVisible = false, IsZoomEnabled = false });
        plot.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = 1, Y0 = 0, Y1 = height,
            CoordinateDefinition = HeatMapCoordinateDefinition.Edge,
            Interpolate = false,
            Data = values,
        });
        var outline = Line(null, OxyColors.Black, 1);
        outline.Points.AddRange(new[] { new DataPoint(0, 0), new DataPoint(1, 0), new DataPoint(0.5, height), new DataPoint(0, 0) });
        plot.Series.Add(outline);
        foreach (var (label, t) in new[] { ("w1", new[] { 1.0, 0, 0 }), ("w2", new[] { 0, 1.0, 0 }), ("w3", new[] { 0, 0, 1.0 }) })
        {
            var (x, y) = ToPlane(t);
            plot.Annotations.Add(new TextAnnotation
            {
                Text = label,
                TextPosition = new DataPoint(x, y + (t[2] == 1 ? 0.025 : -0.025)),
                TextVerticalAlignment = t[2] == 1 ? VerticalAlignment.Bottom : VerticalAlignment.Top,
                TextHorizontalAlignment = HorizontalAlignment.Center,
                FontSize = 14,
                Stroke = OxyColors.Transparent,
                StrokeThickness = 0,
            });
        }
        return PlotFiles.Save(plot, basePath, 760, 680);
    }

    /// <summary>Reliability diagrams: accuracy against confidence per bin, with the diagonal of perfect calibration.</summary>
    public static PlotFiles ReliabilityDiagram(string basePath, string title, params (string Label, ProbabilityMetrics Metrics)[] models)
    {
        if (models.Length == 0) throw new ArgumentException("Give at least one model.", nameof(models));
        var plot = NewPlot(title);
        var diagonal = Line("perfect calibration", OxyColors.Gray, 1);
        diagonal.LineStyle = LineStyle.Dash;
        diagonal.Points.Add(new DataPoint(0, 0));
        diagonal.Points.Add(new DataPoint(100, 100));
        plot.Series.Add(diagonal);
        for (int i = 0; i < models.Length; i++)
        {
            var bins = models[i].Metrics.Reliability.Where(b => b.Count > 0).ToArray();
            var line = Line($"{models[i].Label} (ECE {models[i].Metrics.ExpectedCalibrationError:F4})", Palette[i % Palette.Length], 2, markerSize: 3.5);
            line.Points.AddRange(bins.Select(b => new DataPoint(b.Confidence * 100, b.Accuracy * 100)));
            plot.Series.Add(line);
        }
        Finish(plot, "confidence: mean top probability in the bin (%)", "accuracy in the bin (%)");
        return Save(plot, basePath);
    }

    /// <summary>
    /// Fast Geometric Ensembling: the cyclic learning rate per iteration (left axis) and the running ensemble
    /// accuracy after each snapshot (right axis).
    /// </summary>
    public static PlotFiles FgeSchedule(string basePath, string title, IReadOnlyList<double> learningRates,
        IReadOnlyList<(int Iteration, double EnsembleAccuracy)> snapshots)
    {
        if (learningRates.Count == 0) throw new ArgumentException("No learning rates.", nameof(learningRates));
        var plot = NewPlot(title);
        // The left axis is added first: OxyPlot gives a series without an axis key the first vertical axis.
        Finish(plot, "iteration", "learning rate");
        var lr = Line("learning rate", Palette[0], 1.5);
        lr.Points.AddRange(learningRates.Select((rate, i) => new DataPoint(i, rate)));
        plot.Series.Add(lr);
        if (snapshots.Count > 0)
        {
            plot.Axes.Add(Axis(AxisPosition.Right, "ensemble test accuracy (%)", key: "accuracy", grid: false));
            var acc = Line("ensemble accuracy after each snapshot (%)", Palette[1], 2, markerSize: 4);
            acc.YAxisKey = "accuracy";
            acc.Points.AddRange(snapshots.Select(s => new DataPoint(s.Iteration, s.EnsembleAccuracy * 100)));
            plot.Series.Add(acc);
        }
        return Save(plot, basePath);
    }

    private static PlotFiles Save(PlotModel plot, string basePath)
    {
        WidenFlatRanges(plot);
        return PlotFiles.Save(plot, basePath);
    }

    /// <summary>
    /// OxyPlot widens a data range of zero width to plus or minus half its value (one FGE snapshot at 95% would get an
    /// axis from 47% to 143%): such a range gets plus or minus 1% of its value instead (1 around zero).
    /// </summary>
    private static void WidenFlatRanges(PlotModel plot)
    {
        var axes = plot.Axes.Where(a => a is LinearAxis && a is not LinearColorAxis).ToList();
        foreach (var axis in axes.Where(a => double.IsNaN(a.Minimum) && double.IsNaN(a.Maximum)))
        {
            bool horizontal = axis.IsHorizontal();
            var first = axes.First(a => a.IsHorizontal() == horizontal);
            bool Plotted(LineSeries series)
            {
                string? key = horizontal ? series.XAxisKey : series.YAxisKey;
                return key is null ? axis == first : key == axis.Key;
            }
            var values = plot.Series.OfType<LineSeries>().Where(Plotted)
                .SelectMany(series => series.Points.Select(p => horizontal ? p.X : p.Y)).Where(double.IsFinite).ToList();
            if (values.Count == 0 || values.Max() > values.Min()) continue;
            double value = values[0], half = value == 0 ? 1 : Math.Abs(value) * 0.01;
            axis.Minimum = value - half;
            axis.Maximum = value + half;
        }
    }

    private static PlotModel NewPlot(string title) => new()
    {
        Title = title,
        TitleFontSize = 16,
        TitleFontWeight = FontWeights.Bold,
        DefaultFontSize = 12,
        Background = OxyColors.White,
        PlotAreaBorderColor = OxyColors.Black,
        PlotAreaBorderThickness = new OxyThickness(1),
    };

    /// <summary>A line through its points; a positive <paramref name="markerSize"/> (radius in pixels) marks each point with a dot.</summary>
    private static LineSeries Line(string? legendText, OxyColor color, double width, double markerSize = 0) => new()
    {
        Title = legendText,
        Color = color,
        StrokeThickness = width,
        MarkerType = markerSize > 0 ? MarkerType.Circle : MarkerType.None,
        MarkerSize = markerSize,
        MarkerFill = color,
    };

    private static LinearAxis Axis(AxisPosition position, string title, string? key = null, bool grid = true) => new()
    {
        Position = position,
        Title = title,
        TitleFontSize = 14,
        TitleFontWeight = FontWeights.Bold,
        Key = key,
        MajorGridlineStyle = grid ? LineStyle.Solid : LineStyle.None,
        MajorGridlineColor = GridColor,
        MinimumPadding = 0.04,
        MaximumPadding = 0.04,
    };

    /// <summary>The axis titles (left and bottom) and the legend, inside the lower right corner.</summary>
    private static void Finish(PlotModel plot, string xLabel, string yLabel)
    {
        plot.Axes.Add(Axis(AxisPosition.Bottom, xLabel));
        plot.Axes.Add(Axis(AxisPosition.Left, yLabel));
        plot.Legends.Add(new Legend
        {
            LegendPosition = LegendPosition.BottomRight,
            LegendPlacement = LegendPlacement.Inside,
            LegendBackground = OxyColor.FromAColor(230, OxyColors.White),
            LegendBorder = OxyColors.Black,
            LegendBorderThickness = 1,
            LegendFontSize = 12,
        });
    }
}
