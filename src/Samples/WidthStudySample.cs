using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Subspaces;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// The width study of training-free connections (Anokhin and Yarotsky, ICML 2020, and the student study of them on
/// MNIST): one-hidden-layer MLPs of widths 10 to 2000, trained three ways (no prior: no weight decay; dropout 0.5 and
/// no weight decay; a Gaussian prior: weight decay 5e-4), pairs of independently trained networks connected by every
/// method. A cell is the endpoints' mean test accuracy minus the worst test accuracy over 61 evenly spaced points of
/// the path (the "max accuracy loss along the path", in points), the mean over the pairs. Garipov (3) and (5) are the learned
/// Bezier curves of Garipov et al. 2018 with one and three bends (three and five control points), trained for as many
/// epochs as the networks.
/// </summary>
public static class WidthStudySample
{
    private sealed record Method(string Name, Func<MLContext, SubspaceTransformer, SubspaceTransformer, IDataView, IPathTransformer> Connect, bool TwoStage = false);

    private sealed record Prior(string Name, double WeightDecay, double Dropout);

    private static readonly Prior[] Priors =
    {
        new("no prior", 0, 0),
        new("dropout 0.5", 0, 0.5),
        new("Gaussian prior (weight decay 5e-4)", 5e-4, 0),
    };

    private static Method[] Methods(int epochs, bool curves, IReadOnlyCollection<string>? only)
    {
        var methods = new List<Method>
        {
            new("Linear", (ml, a, b, d) => ml.Subspaces().Connections.Linear(a, b)),
            new("Arc", (ml, a, b, d) => ml.Subspaces().Connections.Arc(a, b)),
            new("Linear+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Linear)),
            new("Arc+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Arc)),
            new("Linear+OT", (ml, a, b, d) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Linear), TwoStage: true),
            new("Arc+OT", (ml, a, b, d) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Arc), TwoStage: true),
            new("OT+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Linear, optimalTransport: true), TwoStage: true),
            new("OT+Lin+REPAIR", (ml, a, b, d) => ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { OptimalTransport = true, Repair = true, TrainingData = d }), TwoStage: true),
        };
        if (curves)
            foreach (int bends in new[] { 1, 3 }) // Garipov et al.'s curves of 3 and 5 points
                methods.Add(new($"Garipov ({bends + 2})", (ml, a, b, d) => ml.Subspaces().Trainers.ConnectCurve(a, b,
                    new ConnectCurveOptions { Kind = Microsoft.ML.Subspaces.Shapes.CurveKind.Bezier, Bends = bends, Epochs = epochs }).Fit(d)));
        if (only is null) return methods.ToArray();
        var unknown = only.Except(methods.Select(m => m.Name)).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"--methods: unknown method(s) {string.Join(", ", unknown)}; known: {string.Join(", ", methods.Select(m => m.Name))}.");
        return methods.Where(m => only.Contains(m.Name)).ToArray();
    }

    public static int Run(WidthStudySettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        var widths = options.WidthList;
        var methods = Methods(options.Epochs, !options.NoCurves, options.MethodList);
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; MLPs 784-w-10, {options.Epochs} epochs, batch 128, " +
                          $"the library's default SGD schedule; {options.Pairs} pair(s) per cell; seed {options.Seed}.");

        var clock = Stopwatch.StartNew();
        // loss[prior][method][width] = mean over pairs of (endpoints' mean - worst) accuracy, in points.
        var loss = new double[Priors.Length, methods.Length, widths.Length];
        var firstStageLoss = new double[Priors.Length, methods.Length, widths.Length];
        var endpoints = new double[Priors.Length, widths.Length];
        var seconds = new double[Priors.Length, methods.Length];
        for (int p = 0; p < Priors.Length; p++)
        for (int w = 0; w < widths.Length; w++)
        for (int pair = 0; pair < options.Pairs; pair++)
        {
            using var a = Train(ml, trainData, widths[w], Priors[p], options, pair, 0);
            using var b = Train(ml, trainData, widths[w], Priors[p], options, pair, 1);
            var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalMinutes:F1} min] {Priors[p].Name}, width {widths[w]}, pair {pair}:"));
            for (int m = 0; m < methods.Length; m++)
            {
                var build = Stopwatch.StartNew();
                var path = methods[m].Connect(ml, a, b, trainData);
                try
                {
                    var evaluation = ml.Subspaces().EvaluatePath(path, testData, 61);
                    seconds[p, m] += build.Elapsed.TotalSeconds;
                    loss[p, m, w] += 100 * evaluation.Barrier / options.Pairs;
                    // Optimal transport's connection proper ends at the reordered B (the same function as B) at t = 1/2.
                    double firstStageWorst = evaluation.Points.Where(q => q.T <= 0.5 + 1e-9).Min(q => q.Accuracy);
                    firstStageLoss[p, m, w] += 100 * (evaluation.MeanEndpointAccuracy - firstStageWorst) / options.Pairs;
                    if (m == 0) endpoints[p, w] += 100 * evaluation.MeanEndpointAccuracy / options.Pairs;
                    line.Append(CultureInfo.InvariantCulture, $" {methods[m].Name} {100 * evaluation.Barrier:F2};");
                }
                finally
                {
                    (path as IDisposable)?.Dispose();
                }
            }
            Console.WriteLine(line.ToString());
        }

        var md = new StringBuilder();
        md.AppendLine($"# Width study: max accuracy loss along the path (points; MNIST split, {train.Count:N0} training rows, " +
                      $"{options.Epochs} epochs, {options.Pairs} pair(s) per cell, seed {options.Seed})").AppendLine();
        md.AppendLine("Cell: the endpoints' mean test accuracy minus the worst test accuracy over 61 evenly spaced points of the path, " +
                      "mean over the pairs; lower is better. Rows \"t <= 1/2\" are optimal transport's connection proper, up to the reordered " +
                      "second network (the same function as B); the full row adds the second stage, the neurons swapped back into B's order. Command: `dotnet run -c Release --project src/Samples -- width-study`.").AppendLine();
        for (int p = 0; p < Priors.Length; p++)
        {
            md.AppendLine($"## {Priors[p].Name}").AppendLine();
            md.AppendLine("| method | " + string.Join(" | ", widths.Select(w => w.ToString(CultureInfo.InvariantCulture))) + " | seconds per pair |");
            md.AppendLine("| --- |" + string.Concat(widths.Select(_ => " ---: |")) + " ---: |");
            md.AppendLine("| *endpoints' accuracy %* | " + string.Join(" | ", widths.Select((_, w) => endpoints[p, w].ToString("F2", CultureInfo.InvariantCulture))) + " | |");
            for (int m = 0; m < methods.Length; m++)
            {
                md.AppendLine($"| {methods[m].Name} | " + string.Join(" | ", widths.Select((_, w) => loss[p, m, w].ToString("F2", CultureInfo.InvariantCulture))) +
                              $" | {(seconds[p, m] / (widths.Length * options.Pairs)).ToString("F2", CultureInfo.InvariantCulture)} |");
                if (methods[m].TwoStage)
                    md.AppendLine($"| {methods[m].Name}, t <= 1/2 | " + string.Join(" | ", widths.Select((_, w) => firstStageLoss[p, m, w].ToString("F2", CultureInfo.InvariantCulture))) + " | |");
            }
            md.AppendLine();
        }
        md.AppendLine($"Total time: {clock.Elapsed.TotalMinutes:F1} minutes (two libtorch threads, one process).");
        Console.WriteLine();
        Console.WriteLine(md.ToString());
        File.WriteAllText(options.Output, md.ToString());
        Console.WriteLine($"Written to {Path.GetFullPath(options.Output)}");
        return 0;
    }

    private static SubspaceTransformer Train(MLContext ml, IDataView train, int width, Prior prior, SampleSettings options, int pair, int member) =>
        ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            HiddenLayers = new[] { width },
            Epochs = options.Epochs,
            WeightDecay = prior.WeightDecay,
            Dropout = prior.Dropout,
            Seed = options.Seed * 1000 + 10 * pair + member,
        }).Fit(train);
}
