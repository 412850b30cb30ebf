using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Subspaces;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// The Flow and Bijection connections of Anokhin and Yarotsky: global models of one-hidden-layer networks' neurons,
/// fitted once on many small MLPs trained on the MNIST split (kept on disk between runs), then applied to new pairs the
/// fits never saw, next to Linear, Arc and OT+Arc on the same pairs: the endpoints' mean test accuracy minus the worst
/// over 61 points, and what each method costs.
/// </summary>
public static class FlowConnectionsSample
{
    private static readonly string[] MethodNames =
        { "Linear", "Arc", "Arc+OT, t <= 1/2 (to the matched b)", "Flow (matched b)", "Bijection (matched b)" };

    /// <summary>One width's results: max loss and worst accuracy per method, fit seconds of Flow and Bijection, the endpoints' accuracy.</summary>
    private sealed record WidthResult(double[] Loss, double[] Worst, double[] PathSeconds, double FlowSeconds, double BijectionSeconds,
        int FlowEpoch, double BijectionLoss, double Endpoints);

    public static int Run(FlowConnectionsSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        var widths = options.WidthList;
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; MLPs 784-w-10 for w in {string.Join(", ", widths)}, {options.Epochs} epochs; " +
                          $"{options.Networks} networks to fit on, {options.Pairs} new pair(s) to connect, per width; cache {Path.GetFullPath(options.Cache)}.");
        var clock = Stopwatch.StartNew();
        var results = widths.Select(w => RunWidth(ml, trainData, testData, options, w, clock)).ToArray();

        string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine($"# Flow and Bijection connections (MNIST split, MLPs 784-w-10, {options.Epochs} epochs, seed {options.Seed})").AppendLine();
        md.AppendLine($"Per width, Flow and Bijection are fitted on {options.Networks} networks and evaluated, with the other methods, on {options.Pairs} new " +
                      "pair(s) of networks the fits never saw. Cell: the endpoints' mean test accuracy minus the worst over 61 evenly spaced points " +
                      "(max accuracy loss, points), mean over the pairs; lower is better. Flow and Bijection end at the second network with its neurons " +
                      "matched to the first's (the same function), as OT's first stage does. Command: `dotnet run -c Release --project src/Samples -- flow-connections`.").AppendLine();
        md.AppendLine("| method | " + string.Join(" | ", widths.Select(w => w.ToString(CultureInfo.InvariantCulture))) + " |");
        md.AppendLine("| --- |" + string.Concat(widths.Select(_ => " ---: |")));
        md.AppendLine("| *endpoints' accuracy %* | " + string.Join(" | ", results.Select(r => F(r.Endpoints))) + " |");
        for (int m = 0; m < MethodNames.Length; m++)
            md.AppendLine($"| {MethodNames[m]} | " + string.Join(" | ", results.Select(r => F(r.Loss[m]))) + " |");
        md.AppendLine("| *Flow: fit seconds (once)* | " + string.Join(" | ", results.Select(r => r.FlowSeconds.ToString("F1", CultureInfo.InvariantCulture))) + " |");
        md.AppendLine("| *Bijection: fit seconds (once)* | " + string.Join(" | ", results.Select(r => r.BijectionSeconds.ToString("F1", CultureInfo.InvariantCulture))) + " |");
        md.AppendLine("| *Flow: epoch kept* | " + string.Join(" | ", results.Select(r => r.FlowEpoch.ToString(CultureInfo.InvariantCulture))) + " |");
        md.AppendLine("| *Bijection: final path cross-entropy (training rows)* | " + string.Join(" | ", results.Select(r => r.BijectionLoss.ToString("F3", CultureInfo.InvariantCulture))) + " |");
        md.AppendLine();
        var perPath = string.Join(", ", MethodNames.Select((n, m) => n.Split(',')[0] + " " + F(results.Average(r => r.PathSeconds[m]))));
        md.AppendLine(FormattableString.Invariant(
            $"Flow: up to {options.FlowEpochs} epochs of maximum likelihood, the epoch with the best likelihood of the neurons of the last {Math.Max(1, options.Networks / 8)} ") +
            FormattableString.Invariant($"of the {options.Networks} networks (held out) kept. Bijection: {options.BijectionSteps} steps from the identity. ") +
            $"Seconds per 61-point path, mean over widths: {perPath}. " + FormattableString.Invariant($"Total time {clock.Elapsed.TotalMinutes:F1} minutes."));
        Console.WriteLine();
        Console.WriteLine(md.ToString());
        File.WriteAllText(options.Output, md.ToString());
        Console.WriteLine($"Written to {Path.GetFullPath(options.Output)}");
        return 0;
    }

    private static WidthResult RunWidth(MLContext ml, IDataView trainData, IDataView testData, FlowConnectionsSettings options, int width, Stopwatch clock)
    {
        int total = options.Networks + 2 * options.Pairs;
        var models = new List<SubspaceTransformer>();
        try
        {
            double trainingSeconds = 0;
            for (int i = 0; i < total; i++)
            {
                var (model, seconds) = TrainedOrCached(ml, trainData, options, width, i);
                models.Add(model);
                trainingSeconds += seconds;
            }
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] width {width}: {total} networks ready ({trainingSeconds:F0} s of training this run).");
            var fitSet = models.Take(options.Networks).ToList();
            using var flow = FittedOrCached(ml, options, width, $"flow-e{options.FlowEpochs}",
                () => ml.Subspaces().Connections.FitFlow(fitSet, new NeuronFlowOptions { Epochs = options.FlowEpochs, Seed = options.Seed }), out bool flowCached);
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] {flow}{(flowCached ? " (loaded from the cache)" : "")}; epoch {flow.KeptEpoch} kept, held-out loss {flow.FinalLoss:F2}.");
            using var bijection = FittedOrCached(ml, options, width, $"bijection-s{options.BijectionSteps}",
                () => ml.Subspaces().Connections.FitBijection(fitSet, trainData, new NeuronFlowOptions { Steps = options.BijectionSteps, Seed = options.Seed }), out bool bijectionCached);
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] {bijection}{(bijectionCached ? " (loaded from the cache)" : "")}; final loss {bijection.FinalLoss:F3}.");

            var methods = new (Func<SubspaceTransformer, SubspaceTransformer, IPathTransformer> Connect, bool FirstHalf)[]
            {
                ((a, b) => ml.Subspaces().Connections.Linear(a, b), false),
                ((a, b) => ml.Subspaces().Connections.Arc(a, b), false),
                ((a, b) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Arc), true),
                (flow.Connect, false),
                (bijection.Connect, false),
            };
            var loss = new double[methods.Length];
            var worst = new double[methods.Length];
            var pathSeconds = new double[methods.Length];
            double endpoints = 0;
            for (int pair = 0; pair < options.Pairs; pair++)
            {
                var a = models[options.Networks + 2 * pair];
                var b = models[options.Networks + 2 * pair + 1];
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalMinutes:F1} min] width {width}, pair {pair}:"));
                for (int m = 0; m < methods.Length; m++)
                {
                    var watch = Stopwatch.StartNew();
                    var path = methods[m].Connect(a, b);
                    try
                    {
                        var evaluation = ml.Subspaces().EvaluatePath(path, testData, 61);
                        pathSeconds[m] += watch.Elapsed.TotalSeconds / options.Pairs;
                        double low = methods[m].FirstHalf ? evaluation.Points.Where(p => p.T <= 0.5 + 1e-9).Min(p => p.Accuracy) : evaluation.Worst.Accuracy;
                        if (m == 0) endpoints += 100 * evaluation.MeanEndpointAccuracy / options.Pairs;
                        loss[m] += 100 * (evaluation.MeanEndpointAccuracy - low) / options.Pairs;
                        worst[m] += 100 * low / options.Pairs;
                        line.Append(CultureInfo.InvariantCulture, $" {MethodNames[m]} {100 * (evaluation.MeanEndpointAccuracy - low):F2};");
                    }
                    finally
                    {
                        (path as IDisposable)?.Dispose();
                    }
                }
                Console.WriteLine(line.ToString());
            }
            return new WidthResult(loss, worst, pathSeconds, flow.TrainingTime.TotalSeconds, bijection.TrainingTime.TotalSeconds, flow.KeptEpoch ?? 0,
                bijection.FinalLoss, endpoints);
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    /// <summary>
    /// A Flow or Bijection connector fitted on the first networks of a width: loaded from the cache when a run with the same
    /// settings saved it (it keeps the training time of its fit), else fitted and saved.
    /// </summary>
    private static NeuronFlowConnector FittedOrCached(MLContext ml, FlowConnectionsSettings options, int width, string name, Func<NeuronFlowConnector> fit, out bool cached)
    {
        var file = Path.Combine(CacheDirectory(options, width), string.Create(CultureInfo.InvariantCulture, $"{name}-n{options.Networks}.zip"));
        cached = File.Exists(file);
        if (cached) return ml.Subspaces().Connections.LoadConnector(file);
        var connector = fit();
        ml.Subspaces().Connections.SaveConnector(connector, file);
        return connector;
    }

    private static string CacheDirectory(FlowConnectionsSettings options, int width) =>
        Path.Combine(options.Cache, string.Create(CultureInfo.InvariantCulture, $"w{width}-e{options.Epochs}-s{options.Seed}"));

    /// <summary>Network <paramref name="index"/>: loaded from the cache when a run with the same settings saved it, else trained and saved.</summary>
    private static (SubspaceTransformer Model, double Seconds) TrainedOrCached(MLContext ml, IDataView train, FlowConnectionsSettings options, int width, int index)
    {
        var directory = CacheDirectory(options, width);
        var file = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"network-{index}.zip"));
        if (File.Exists(file)) return ((SubspaceTransformer)ml.Subspaces().Model.Load(file, out _), 0);
        var watch = Stopwatch.StartNew();
        var model = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            HiddenLayers = new[] { width },
            Epochs = options.Epochs,
            Seed = options.Seed * 1000 + index,
        }).Fit(train);
        double seconds = watch.Elapsed.TotalSeconds;
        Directory.CreateDirectory(directory);
        ml.Subspaces().Model.Save(model, train.Schema, file); // written whole or not at all: a killed run leaves no half-written network
        return (model, seconds);
    }
}
