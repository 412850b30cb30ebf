using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Plots;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;
using Subspaces.Samples.Terminal;

namespace Subspaces.Samples.Report;

/// <summary>
/// The comparison grid of the subspace paper on the shared MNIST split (MLP 784-512-512-10, one epoch budget
/// for every method), with and without 20% label noise, written as a Markdown report with its plots.
/// </summary>
internal static class ComparisonReport
{
    private sealed record Row(string Name, SubspaceMetrics Metrics, int Epochs);

    public static int Run(int epochs, int seed, string folder)
    {
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        var (train, test) = DigitDatasets.MnistSplit();
        var ml = new MLContext(seed);
        var (cleanTrain, testData) = ml.ToKeyedDataViews(train, test);
        var md = new StringBuilder();
        md.AppendLine("# Neural-network subspaces on MNIST: comparison report").AppendLine();
        md.AppendLine($"Shared MNIST split: {train.Count} training rows (first 8,000), {test.Count} test rows (last 2,000). MLP 784-512-512-10, " +
                      $"SGD lr 0.05, momentum 0.9, cosine decay, weight decay 1e-4, batch 128, beta 1. Every method gets the same budget of {epochs} epochs " +
                      "(the independent ensemble: that budget per member). Seed " + seed + ".").AppendLine();

        foreach (double noise in new[] { 0.0, 0.2 })
        {
            var trainData = noise > 0 ? ml.Subspaces().Experiments.WithLabelNoise(cleanTrain, noise, seed: 1234) : cleanTrain;
            string tag = noise > 0 ? "noise20" : "clean";
            Console.WriteLine($"== {(noise > 0 ? "20% label noise" : "clean labels")}");
            var rows = new List<Row>();
            SubspaceMetrics Eval(ITransformer m) => ml.Subspaces().Evaluate(m.Transform(testData));

            var standard = Fit("standard", new StandardTrainerOptions { Epochs = epochs }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count);
            var standard2 = Fit("standard (2nd seed)", new StandardTrainerOptions { Epochs = epochs }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count);
            var line = Fit("line", new LineTrainerOptions { Epochs = epochs }, o => ml.Subspaces().Trainers.Line(o), trainData, train.Count);
            var layerWise = Fit("layer-wise line", new LineTrainerOptions { Epochs = epochs, LayerWise = true }, o => ml.Subspaces().Trainers.Line(o), trainData, train.Count);
            var curve = Fit("curve", new CurveTrainerOptions { Epochs = epochs }, o => ml.Subspaces().Trainers.Curve(o), trainData, train.Count);
            var simplex = Fit("simplex of 3", new SimplexTrainerOptions { Epochs = epochs, Vertices = 3 }, o => ml.Subspaces().Trainers.Simplex(o), trainData, train.Count);
            // The paper's calibration baselines: dropout, label smoothing, and the midpoint with label smoothing.
            var dropout = Fit("standard, dropout 0.2", new StandardTrainerOptions { Epochs = epochs, Dropout = 0.2 }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count);
            var smoothed = Fit("standard, label smoothing 0.1", new StandardTrainerOptions { Epochs = epochs, LabelSmoothing = 0.1 }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count);
            var smoothedLine = Fit("line, label smoothing 0.1", new LineTrainerOptions { Epochs = epochs, LabelSmoothing = 0.1 }, o => ml.Subspaces().Trainers.Line(o), trainData, train.Count);
            var swa = ml.Subspaces().Trainers.StochasticWeightAveraging(new StochasticWeightAveragingOptions { Epochs = epochs, SwaStartEpoch = (int)(epochs * 0.6) }).Fit(trainData);
            Console.WriteLine("trained SWA");
            int cycles = Math.Max(1, epochs / 5), cycleEpochs = 2;
            int pretrain = Math.Max(1, epochs - cycles * cycleEpochs);
            var snapshots = new List<SnapshotProgress>();
            var fge = ml.Subspaces().Trainers.FastGeometricEnsemble(new FastGeometricEnsembleOptions
            {
                Epochs = pretrain, Cycles = cycles, CycleEpochs = cycleEpochs, ValidationSet = testData,
                SnapshotProgress = new Reporter<SnapshotProgress>(snapshots.Add),
            }).Fit(trainData);
            Console.WriteLine("trained FGE");
            // Snapshot Ensembles in the same budget: the trainer's default 4 cycles of cosine annealing with restarts.
            var sse = ml.Subspaces().Trainers.SnapshotEnsemble(new SnapshotEnsembleOptions { Epochs = epochs }).Fit(trainData);
            Console.WriteLine("trained SSE");

            rows.Add(new("standard", Eval(standard), epochs));
            rows.Add(new("line midpoint", Eval(line), epochs));
            rows.Add(new("line endpoint ensemble", Eval(line.WithEnsemble(SubspaceEnsemble.Endpoints)), epochs));
            rows.Add(new("layer-wise line midpoint", Eval(layerWise), epochs));
            rows.Add(new("layer-wise line endpoint ensemble", Eval(layerWise.WithEnsemble(SubspaceEnsemble.Endpoints)), epochs));
            rows.Add(new("curve midpoint", Eval(curve), epochs));
            rows.Add(new("simplex of 3, centroid", Eval(simplex), epochs));
            rows.Add(new("simplex of 3, vertex ensemble", Eval(simplex.WithEnsemble(SubspaceEnsemble.Endpoints)), epochs));
            rows.Add(new("SWA", Eval(swa), epochs));
            rows.Add(new($"FGE ({snapshots.Count} snapshots)", Eval(fge), pretrain + cycles * cycleEpochs));
            rows.Add(new($"SSE ({sse.Members.Count} snapshots)", Eval(sse), epochs));
            rows.Add(new("standard, dropout 0.2", Eval(dropout), epochs));
            rows.Add(new("standard, label smoothing 0.1", Eval(smoothed), epochs));
            rows.Add(new("line midpoint, label smoothing 0.1", Eval(smoothedLine), epochs));
            rows.Add(new("independent ensemble of 2", Eval(ml.Subspaces().Ensemble(standard, standard2)), 2 * epochs));

            md.AppendLine($"## {(noise > 0 ? "With 20% label noise (training split only, fixed seed)" : "Clean labels")}").AppendLine();
            md.AppendLine("| model | accuracy | log-loss | ECE (20 bins) | Brier | epochs of training |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in rows)
                md.AppendLine(FormattableString.Invariant($"| {r.Name} | {r.Metrics.Accuracy * 100:F2}% | {r.Metrics.LogLoss:F4} | {r.Metrics.ExpectedCalibrationError:F4} | {r.Metrics.BrierScore:F4} | {r.Epochs} |"));
            md.AppendLine();
            Console.WriteLine(string.Join(Environment.NewLine, rows.Select(r => FormattableString.Invariant($"  {r.Name,-36} {r.Metrics.Accuracy * 100,6:F2}%  ECE {r.Metrics.ExpectedCalibrationError:F4}"))));

            // Plots.
            var linePath = ml.Subspaces().EvaluatePath(line, testData, 21);
            var segmentPath = ml.Subspaces().EvaluatePath(ml.Subspaces().Segment(standard, standard2), testData, 21);
            var paths = SubspacePlots.AccuracyAlongPaths(Path.Combine(folder, $"paths-{tag}"), "Accuracy along the learned line and the segment between two standard models",
                ("learned line", linePath), ("segment between two independent models", segmentPath));
            var ensembles = SubspacePlots.SymmetricEnsembles(Path.Combine(folder, $"ensembles-{tag}"), "Ensemble of P(a) and P(1 - a) on the learned line",
                ml.Subspaces().Experiments.SymmetricEnsembles(line, testData, 11), ("standard", rows[0].Metrics.Accuracy), ("independent ensemble of 2", rows[^1].Metrics.Accuracy));
            var triangle = SubspacePlots.SimplexHeatMap(Path.Combine(folder, $"simplex-{tag}"), "Test accuracy over the simplex of 3 networks",
                ml.Subspaces().Experiments.SimplexGrid(simplex, testData, 8));
            var reliability = SubspacePlots.ReliabilityDiagram(Path.Combine(folder, $"reliability-{tag}"), "Reliability: standard model vs line midpoint",
                ("standard", rows[0].Metrics.Probabilities), ("line midpoint", rows[1].Metrics.Probabilities));
            long cycleSteps = (long)cycleEpochs * ((train.Count + 127) / 128); // batches of 128 per epoch, the last one partial
            var schedule = new CyclicLearningRate(0.05, 5e-4, cycleSteps);
            var rates = Enumerable.Range(0, (int)(cycleSteps * cycles)).Select(s => schedule.At(s, cycleSteps * cycles)).ToArray();
            var fgePlot = SubspacePlots.FgeSchedule(Path.Combine(folder, $"fge-{tag}"), "FGE: cyclic learning rate and running ensemble accuracy (test set)",
                rates, snapshots.Where(s => s.EnsembleAccuracy is not null).Select(s => ((int)s.Step, s.EnsembleAccuracy!.Value)).ToArray());
            md.AppendLine(FormattableString.Invariant($"Worst accuracy along the learned line {linePath.Worst.Accuracy:P2} (ends {linePath.Start.Accuracy:P2}, {linePath.End.Accuracy:P2}); ") +
                          FormattableString.Invariant($"along the segment between the two standard models {segmentPath.Worst.Accuracy:P2} (ends {segmentPath.Start.Accuracy:P2}, {segmentPath.End.Accuracy:P2}).")).AppendLine();
            foreach (var (title, files) in new[] { ("Accuracy along paths", paths), ("Symmetric ensembles", ensembles), ("Simplex", triangle), ("Reliability", reliability), ("FGE", fgePlot) })
                md.AppendLine($"![{title}]({Path.GetFileName(files.Png)}) ([SVG]({Path.GetFileName(files.Svg)}))").AppendLine();

            if (noise == 0)
            {
                // Robustness to input corruption (the paper's ImageNet-C experiment, on the MNIST test images).
                Console.WriteLine("corruptions ...");
                using var lineEnds = line.WithEnsemble(SubspaceEnsemble.Endpoints);
                var corruptionRows = ml.Subspaces().Experiments.CorruptionRobustness(new (string, ScorerTransformer)[]
                {
                    ("standard", standard), ("line midpoint", line), ("layer-wise line midpoint", layerWise), ("line endpoint ensemble", lineEnds), ("SWA", swa),
                }, testData, seed: 1234, imageShape: new[] { 1, 28, 28 });
                var corruptions = Enum.GetValues<ImageCorruption>();
                md.AppendLine("### Robustness to input corruption").AppendLine();
                md.AppendLine("Test accuracy on the MNIST test images under each corruption, mean over severities 1-5 (the library's deterministic corruptions, seed 1234).").AppendLine();
                md.AppendLine("| model | clean | " + string.Join(" | ", corruptions) + " | mean |");
                md.AppendLine("| --- | ---: |" + string.Concat(corruptions.Select(_ => " ---: |")) + " ---: |");
                foreach (var model in corruptionRows.Select(r => r.Model).Distinct())
                {
                    var mine = corruptionRows.Where(r => r.Model == model).ToList();
                    var perCorruption = corruptions.Select(c => mine.Where(r => r.Corruption == c).Average(r => r.Accuracy) * 100).ToArray();
                    md.AppendLine(FormattableString.Invariant($"| {model} | {mine.Single(r => r.Corruption is null).Accuracy * 100:F2}% | ") +
                                  string.Join(" | ", perCorruption.Select(v => FormattableString.Invariant($"{v:F2}%"))) + FormattableString.Invariant($" | {perCorruption.Average():F2}% |"));
                }
                md.AppendLine();
                var corruptionPlot = SubspacePlots.AccuracyUnderCorruption(Path.Combine(folder, "corruption"), "Accuracy under input corruption (mean over five corruptions)", corruptionRows);
                md.AppendLine($"![Corruption]({Path.GetFileName(corruptionPlot.Png)}) ([SVG]({Path.GetFileName(corruptionPlot.Svg)}))").AppendLine();

                // Garipov et al.: a curve fitted between the two standard models, each point ensembled with the start w0.
                Console.WriteLine("curve between the two standard models ...");
                using var fitted = ml.Subspaces().Trainers.ConnectCurve(standard, standard2, new ConnectCurveOptions { Epochs = epochs }).Fit(trainData);
                var withStart = ml.Subspaces().Experiments.EnsemblesWithStart(fitted, testData, 11);
                md.AppendLine("### Ensembles of w0 with points of a fitted curve").AppendLine();
                md.AppendLine("| t | phi(t) alone | ensemble of w0 and phi(t) |").AppendLine("| ---: | ---: | ---: |");
                foreach (var point in withStart)
                    md.AppendLine(FormattableString.Invariant($"| {point.T:F1} | {point.Accuracy * 100:F2}% | {point.EnsembleAccuracy * 100:F2}% |"));
                md.AppendLine();
                var startPlot = SubspacePlots.EnsemblesWithStart(Path.Combine(folder, "start-ensembles"), "A fitted curve: phi(t) alone and ensembled with w0", withStart);
                md.AppendLine($"![Ensembles with w0]({Path.GetFileName(startPlot.Png)}) ([SVG]({Path.GetFileName(startPlot.Svg)}))").AppendLine();

                // Anokhin and Yarotsky's WA-ensembles: five standard networks on the first one's backbone.
                var members = new List<SubspaceTransformer> { standard, standard2 };
                for (int i = 3; i <= 5; i++)
                    members.Add(Fit($"standard ({i}th seed, WA-ensemble)", new StandardTrainerOptions { Epochs = epochs }, o => ml.Subspaces().Trainers.Standard(o), trainData, train.Count));
                var bySize = ml.Subspaces().Experiments.WeightAdjustedEnsembles(members, trainData, testData, new[] { 1, 2 });
                foreach (var m in members.Skip(2)) m.Dispose();
                md.AppendLine("### WA-ensembles: m networks on one backbone").AppendLine();
                md.AppendLine("Five standard networks; the ordinary ensemble of the first m against WA(h)-ensembles of the same m, which keep the first " +
                              "network's lower layers for all and each network's last h layers, the first of them re-solved by least squares on the " +
                              "training rows to read the shared features (Anokhin and Yarotsky, section 6).").AppendLine();
                md.AppendLine("| m | ensemble | parameters | WA(1)-ensemble | parameters | WA(2)-ensemble | parameters |").AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                foreach (var group in bySize.GroupBy(r => r.Members))
                {
                    var cells = new[] { "ensemble", "WA(1)-ensemble", "WA(2)-ensemble" }.Select(kind => group.Single(r => r.Ensemble == kind))
                        .Select(r => FormattableString.Invariant($"{r.Accuracy * 100:F2}% | {r.Parameters:N0}"));
                    md.AppendLine($"| {group.Key} | " + string.Join(" | ", cells) + " |");
                }
                md.AppendLine();
                var sizePlot = SubspacePlots.EnsemblesBySize(Path.Combine(folder, "wa-ensembles"), "Ensembles and WA-ensembles of 1 to 5 MLPs", bySize);
                md.AppendLine($"![WA-ensembles]({Path.GetFileName(sizePlot.Png)}) ([SVG]({Path.GetFileName(sizePlot.Svg)}))").AppendLine();
            }

            foreach (var m in new IDisposable[] { standard, standard2, line, layerWise, curve, simplex, swa, fge, dropout, smoothed, smoothedLine }) m.Dispose();
        }
        md.AppendLine(FormattableString.Invariant($"Generated in {clock.Elapsed.TotalMinutes:F1} minutes by `dotnet run -c Release --project src/Samples/Report -- --epochs {epochs}`."));
        var report = Path.Combine(folder, "report.md");
        File.WriteAllText(report, md.ToString());
        Console.WriteLine($"Report written to {report}");
        return 0;
    }

    private static SubspaceTransformer Fit<TOptions>(string name, TOptions options, Func<TOptions, SubspaceTrainer> trainer, IDataView data, int rows)
        where TOptions : NeuralNetworkTrainerOptions =>
        TrainingProgressBar.Run(name, options, rows, () => trainer(options).Fit(data));

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
