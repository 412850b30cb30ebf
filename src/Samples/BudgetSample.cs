using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Ensembles at equal training budgets (Garipov et al. compare FGE with Snapshot Ensembles at 1, 2 and 3 training runs):
/// with B the epochs of one standard fit (20 on the MNIST-8k MLP), each method spends k x B epochs for k = 1, 2, 3:
/// an independent ensemble of k networks, Snapshot Ensembles (k cycles of B epochs by default; --sse for other variants), FGE (a standard run, then 4-epoch cycles over
/// about the last third), a line's endpoint ensemble and a simplex of 3's vertex ensemble, each trained k x B epochs.
/// Accuracy, log-loss and ECE on the test rows, means and spreads over the seeds; one Markdown table, also written to a file.
/// </summary>
public static class BudgetSample
{
    public static int Run(Commands.BudgetSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        if (options.Validation) (train, test) = (train.Slice(0, train.Count - 2000), train.Slice(train.Count - 2000, 2000));
        if (options.TrainRows is int rows) train = train.Slice(0, Math.Min(rows, train.Count));
        int b = options.Epochs;
        var network = options.Network == "convnet" ? NetworkArchitecture.ConvNet : NetworkArchitecture.Mlp;
        T Configure<T>(T o) where T : NeuralNetworkTrainerOptions
        {
            o.Network = network;
            if (network != NetworkArchitecture.Mlp) o.ImageShape = new[] { 1, 28, 28 };
            return o;
        }
        var results = new List<(string Method, int Budget, int Seed, SubspaceMetrics Metrics)>();
        var clock = Stopwatch.StartNew();
        for (int seed = 0; seed < options.Seeds; seed++)
        {
            var ml = new MLContext(seed: seed);
            var (trainData, testData) = ml.ToKeyedDataViews(train, test);
            SubspaceMetrics Evaluate(ITransformer model) => ml.Subspaces().Evaluate(model.Transform(testData));
            void Add(string method, int k, ITransformer model)
            {
                var m = Evaluate(model);
                results.Add((method, k, seed, m));
                Console.WriteLine(FormattableString.Invariant($"[{clock.Elapsed:hh\\:mm\\:ss}] seed {seed} {k}B {method,-34} accuracy {m.Accuracy * 100:F2} % log-loss {m.LogLoss:F4} ECE {m.ExpectedCalibrationError:F4}"));
            }

            var standards = new List<SubspaceTransformer>();
            try
            {
                // Three networks for the independent ensembles, one for the single model alone.
                int standardFits = options.Runs("independent") ? 3 : options.Runs("single") ? 1 : 0;
                for (int k = 1; k <= standardFits; k++)
                {
                    standards.Add(ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions { Epochs = b })).Fit(trainData));
                    if (k == 1) Add("single model", 1, standards[0]);
                    using (var independent = ml.Subspaces().Ensemble(standards)) Add($"independent ensemble", k, independent);
                }
            }
            finally
            {
                foreach (var s in standards) s.Dispose();
            }
            for (int k = 1; k <= 3; k++)
            {
                foreach (var (perBudget, lr, warmup) in options.Runs("sse") ? options.SseVariants() : [])
                {
                    var sseOptions = Configure(new SnapshotEnsembleOptions { Epochs = k * b, Cycles = perBudget * k });
                    if (lr is double restart) sseOptions.LearningRate = restart;
                    if (warmup is double w) sseOptions.WarmupEpochs = w;
                    sseOptions.WarmupEveryCycle = options.SseWarmupEveryCycle;
                    string name = (perBudget == 1 ? "SSE (k cycles" : $"SSE ({perBudget}k cycles")
                        + (lr is double r ? FormattableString.Invariant($", lr {r}") : "")
                        + (warmup is double ww ? FormattableString.Invariant($", warm-up {ww}") : "")
                        + (options.SseWarmupEveryCycle ? " every cycle" : "") + ")";
                    using var sse = ml.Subspaces().Trainers.SnapshotEnsemble(sseOptions).Fit(trainData);
                    Add(name, k, sse);
                }
                if (options.Runs("fge"))
                {
                    const int cycleEpochs = 4;
                    int cycles = Math.Max(1, (int)Math.Round(0.35 * k * b / cycleEpochs));
                    int pretraining = Math.Max(1, k * b - (cycles * cycleEpochs - cycleEpochs / 2));
                    using var fge = ml.Subspaces().Trainers.FastGeometricEnsemble(Configure(new FastGeometricEnsembleOptions
                        { Epochs = pretraining, Cycles = cycles, CycleEpochs = cycleEpochs, LearningRate1 = 0.3, LearningRate2 = 1e-3 })).Fit(trainData);
                    Add("FGE (4-epoch cycles, lr 0.3)", k, fge);
                }
                if (options.Runs("line"))
                {
                    using var line = ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions { Epochs = k * b })).Fit(trainData);
                    using var ends = line.WithEnsemble(SubspaceEnsemble.Endpoints);
                    Add("line endpoint ensemble", k, ends);
                }
                if (options.Runs("simplex"))
                {
                    using var simplex = ml.Subspaces().Trainers.Simplex(Configure(new SimplexTrainerOptions { Epochs = k * b })).Fit(trainData);
                    using var vertices = simplex.WithEnsemble(SubspaceEnsemble.Endpoints);
                    Add("simplex(3) vertex ensemble", k, vertices);
                }
            }
        }

        var md = new StringBuilder();
        string model = network == NetworkArchitecture.Mlp ? "MLP 784-512-512-10" : "ConvNet, images 1x28x28";
        md.AppendLine($"# Ensembles at equal budgets (MNIST, first {train.Count:N0} rows, {model}, B = {b} epochs, {(options.Validation ? "validation rows (the last 2,000 training rows)" : "test rows")}, seeds 0-{options.Seeds - 1})").AppendLine();
        md.AppendLine("| method | budget | accuracy % (min-max) | log-loss | ECE |").AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var group in results.GroupBy(r => (r.Method, r.Budget)).OrderBy(g => g.Key.Budget).ThenBy(g => results.FindIndex(r => r.Method == g.Key.Method)))
        {
            var acc = group.Select(r => r.Metrics.Accuracy * 100).ToList();
            md.AppendLine(FormattableString.Invariant(
                $"| {group.Key.Method} | {group.Key.Budget}B | {acc.Average():F2} ({acc.Min():F2}-{acc.Max():F2}) | {group.Average(r => r.Metrics.LogLoss):F4} | {group.Average(r => r.Metrics.ExpectedCalibrationError):F4} |"));
        }
        Console.WriteLine();
        Console.Write(md);
        File.WriteAllText(options.Output, md.ToString());
        Console.WriteLine($"Written to {options.Output} ({clock.Elapsed.TotalMinutes:F1} minutes).");
        return 0;
    }
}
