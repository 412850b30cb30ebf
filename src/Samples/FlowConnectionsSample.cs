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
    public static int Run(FlowConnectionsSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        int total = options.Networks + 2 * options.Pairs;
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; MLPs 784-{options.Width}-10, {options.Epochs} epochs; " +
                          $"{options.Networks} networks to fit on, {options.Pairs} new pair(s) to connect; cache {Path.GetFullPath(options.Cache)}.");
        var clock = Stopwatch.StartNew();
        var models = new List<SubspaceTransformer>();
        try
        {
            double trainingSeconds = 0;
            for (int i = 0; i < total; i++)
            {
                var (model, seconds) = TrainedOrCached(ml, trainData, options, i);
                models.Add(model);
                trainingSeconds += seconds;
            }
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] {total} networks ready ({trainingSeconds:F0} s of training this run).");
            var fitSet = models.Take(options.Networks).ToList();
            using var flow = ml.Subspaces().Connections.FitFlow(fitSet, new NeuronFlowOptions { Epochs = options.FlowEpochs, Seed = options.Seed });
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] {flow}; epoch {flow.KeptEpoch} kept, held-out loss {flow.FinalLoss:F2}.");
            using var bijection = ml.Subspaces().Connections.FitBijection(fitSet, trainData, new NeuronFlowOptions { Steps = options.BijectionSteps, Seed = options.Seed });
            Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] {bijection}; final loss {bijection.FinalLoss:F3}.");

            var methods = new (string Name, Func<SubspaceTransformer, SubspaceTransformer, IPathTransformer> Connect, double FitSeconds, bool FirstHalf)[]
            {
                ("Linear", (a, b) => ml.Subspaces().Connections.Linear(a, b), 0, false),
                ("Arc", (a, b) => ml.Subspaces().Connections.Arc(a, b), 0, false),
                ("Arc+OT, t <= 1/2 (to the matched b)", (a, b) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Arc), 0, true),
                ("Flow (matched b)", flow.Connect, flow.TrainingTime.TotalSeconds, false),
                ("Bijection (matched b)", bijection.Connect, bijection.TrainingTime.TotalSeconds, false),
            };
            var loss = new double[methods.Length];
            var worst = new double[methods.Length];
            var pathSeconds = new double[methods.Length];
            double endpoints = 0;
            for (int pair = 0; pair < options.Pairs; pair++)
            {
                var a = models[options.Networks + 2 * pair];
                var b = models[options.Networks + 2 * pair + 1];
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalMinutes:F1} min] pair {pair}:"));
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
                        line.Append(CultureInfo.InvariantCulture, $" {methods[m].Name} {100 * (evaluation.MeanEndpointAccuracy - low):F2};");
                    }
                    finally
                    {
                        (path as IDisposable)?.Dispose();
                    }
                }
                Console.WriteLine(line.ToString());
            }

            var md = new StringBuilder();
            md.AppendLine($"# Flow and Bijection connections (MNIST split, MLPs 784-{options.Width}-10, {options.Epochs} epochs, seed {options.Seed})").AppendLine();
            md.AppendLine($"Flow and Bijection fitted on {options.Networks} networks; evaluated, with the other methods, on {options.Pairs} new pair(s) " +
                          "of networks the fits never saw. Max loss: the endpoints' mean test accuracy minus the worst over 61 evenly spaced points, mean " +
                          "over the pairs; lower is better. Flow and Bijection end at the second network with its neurons matched to the first's (the same " +
                          "function), as OT's first stage does. Command: `dotnet run -c Release --project src/Samples -- flow-connections`.").AppendLine();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Endpoints' mean accuracy: {endpoints:F2}%.")).AppendLine();
            md.AppendLine("| method | max accuracy loss (points) | worst accuracy % | fit seconds (once) | seconds per path (61 points) |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            for (int m = 0; m < methods.Length; m++)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {methods[m].Name} | {loss[m]:F2} | {worst[m]:F2} | {(methods[m].FitSeconds > 0 ? methods[m].FitSeconds.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {pathSeconds[m]:F1} |"));
            md.AppendLine();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Flow: up to {options.FlowEpochs} epochs of maximum likelihood, epoch {flow.KeptEpoch} kept (the best likelihood of the neurons of the last {Math.Max(1, options.Networks / 8)} of the {options.Networks} networks, held out), negative log-likelihood {flow.FinalLoss:F2} per held-out neuron (constants dropped). " +
                          $"Bijection: {options.BijectionSteps} steps, final path cross-entropy {bijection.FinalLoss:F3}. Total time {clock.Elapsed.TotalMinutes:F1} minutes."));
            Console.WriteLine();
            Console.WriteLine(md.ToString());
            File.WriteAllText(options.Output, md.ToString());
            Console.WriteLine($"Written to {Path.GetFullPath(options.Output)}");
            return 0;
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    /// <summary>Network <paramref name="index"/>: loaded from the cache when a run with the same settings saved it, else trained and saved.</summary>
    private static (SubspaceTransformer Model, double Seconds) TrainedOrCached(MLContext ml, IDataView train, FlowConnectionsSettings options, int index)
    {
        var directory = Path.Combine(options.Cache, string.Create(CultureInfo.InvariantCulture, $"w{options.Width}-e{options.Epochs}-s{options.Seed}"));
        var file = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"network-{index}.zip"));
        if (File.Exists(file)) return ((SubspaceTransformer)ml.Subspaces().Model.Load(file, out _), 0);
        var watch = Stopwatch.StartNew();
        var model = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            HiddenLayers = new[] { options.Width },
            Epochs = options.Epochs,
            Seed = options.Seed * 1000 + index,
        }).Fit(train);
        double seconds = watch.Elapsed.TotalSeconds;
        Directory.CreateDirectory(directory);
        ml.Subspaces().Model.Save(model, train.Schema, file); // written whole or not at all: a killed run leaves no half-written network
        return (model, seconds);
    }
}
