using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Subspaces;
using Microsoft.ML.Subspaces.Assignment;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Training-free connections (Anokhin and Yarotsky, ICML 2020) on the shared MNIST split: pairs of independently
/// trained MLPs (one hidden layer of 100, 500 and 2000 neurons, and three hidden layers), connected by Linear, Arc,
/// OT+Linear, OT+Arc, Linear+WA, Arc+WA and OT+WA (every layer at once, except WA), and Linear layer by layer ("LbL":
/// one hidden layer at a time through intermediate networks fitted on the training inputs); for each, the worst test
/// accuracy over 61 points of the path (OT's path includes its second stage, the swaps back to B's own weights).
/// Beyond the paper: weight matching over all layers (WM, Git Re-Basin) and REPAIR renormalization, beside OT
/// against the endpoints' accuracy (the layout of the paper's tables), and the time each method took.
/// </summary>
public static class ConnectionsSample
{
    private sealed record Method(string Name, Func<MLContext, SubspaceTransformer, SubspaceTransformer, IDataView, PathTransformer> Connect);

    private static readonly Method[] Methods =
    {
        new("Linear", (ml, a, b, d) => ml.Subspaces().Connections.Linear(a, b)),
        new("Arc", (ml, a, b, d) => ml.Subspaces().Connections.Arc(a, b)),
        new("Linear LbL", (ml, a, b, d) => ml.Subspaces().Connections.Connect(a, b,
            new ConnectionOptions { LayerByLayer = true, TrainingData = a.Network.HiddenSizes.Length > 1 ? d : null })),
        new("OT+Linear", (ml, a, b, d) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Linear)),
        new("OT+Arc", (ml, a, b, d) => ml.Subspaces().Connections.OptimalTransport(a, b, ConnectionKind.Arc)),
        new("WM+Linear", (ml, a, b, d) => ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightMatching = true })),
        new("OT+Lin+REPAIR", (ml, a, b, d) => ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { OptimalTransport = true, Repair = true, TrainingData = d })),
        new("WM+Lin+REPAIR", (ml, a, b, d) => ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightMatching = true, Repair = true, TrainingData = d })),
        new("Linear+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Linear)),
        new("Arc+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Arc)),
        new("OT+WA", (ml, a, b, d) => ml.Subspaces().Connections.WeightAdjusted(a, b, d, ConnectionKind.Linear, optimalTransport: true)),
    };

    private sealed record Cell(double Worst, double WorstT, double Build, double Evaluate);

    public static int Run(Commands.SampleSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        var architectures = new[] { new[] { 100 }, new[] { 500 }, new[] { 2000 }, new[] { 512, 512, 512 }, new[] { 2000, 2000, 2000 } };
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows. Pairs of MLPs trained independently (seeds differ), " +
                          $"{options.Epochs} epochs, batch 128, SGD lr 0.05 momentum 0.9 cosine, weight decay 1e-4; seed {options.Seed}.");
        Console.WriteLine("Each path is evaluated at 61 evenly spaced points on the test rows; least squares (WA, and the intermediate networks " +
                          "of the layer-by-layer path) use all 8,000 training rows.");
        Console.WriteLine();

        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);

        var columns = new List<(string Name, double A, double B, Dictionary<string, Cell> Cells)>();
        foreach (var hidden in architectures)
        {
            string name = "784-" + string.Join("-", hidden) + "-10";
            var clock = Stopwatch.StartNew();
            using var a = Train(ml, trainData, hidden, options, 1);
            using var b = Train(ml, trainData, hidden, options, 2);
            Console.WriteLine($"{name}: trained the pair in {clock.Elapsed.TotalSeconds:F1}s");
            var cells = new Dictionary<string, Cell>();
            double accuracyA = 0, accuracyB = 0;
            foreach (var method in Methods)
            {
                var build = Stopwatch.StartNew();
                using var path = method.Connect(ml, a, b, trainData);
                double buildSeconds = build.Elapsed.TotalSeconds;
                var evaluate = Stopwatch.StartNew();
                var evaluation = ml.Subspaces().EvaluatePath(path, testData, 61);
                double evaluateSeconds = evaluate.Elapsed.TotalSeconds;
                accuracyA = evaluation.Start.Accuracy;
                accuracyB = evaluation.End.Accuracy;
                cells[method.Name] = new Cell(evaluation.Worst.Accuracy, evaluation.Worst.T, buildSeconds, evaluateSeconds);
                Console.WriteLine($"  {method.Name,-14} worst {evaluation.Worst.Accuracy * 100,6:F2}% at t={evaluation.Worst.T:F3}; " +
                                  $"ends {accuracyA * 100:F2}% / {accuracyB * 100:F2}%; {path.TransitionCount} transition(s); build {buildSeconds:F2}s, evaluate {evaluateSeconds:F2}s");
            }
            columns.Add((name, accuracyA, accuracyB, cells));
        }

        Console.WriteLine();
        Console.WriteLine("Worst test accuracy (%) along the path (61 points), and the endpoints' accuracy:");
        const int width = 22;
        Console.WriteLine($"{"method",-14}" + string.Concat(columns.Select(c => $"{c.Name,width}")));
        Console.WriteLine(new string('-', 14 + width * columns.Count));
        Console.WriteLine($"{"endpoints",-14}" + string.Concat(columns.Select(c => $"{$"{c.A * 100:F2} / {c.B * 100:F2}",width}")));
        foreach (var method in Methods)
            Console.WriteLine($"{method.Name,-14}" + string.Concat(columns.Select(c => $"{$"{c.Cells[method.Name].Worst * 100:F2}",width}")));
        Console.WriteLine();
        Console.WriteLine("Seconds per method: build the connection + evaluate 61 points:");
        Console.WriteLine($"{"method",-14}" + string.Concat(columns.Select(c => $"{c.Name,width}")));
        Console.WriteLine(new string('-', 14 + width * columns.Count));
        foreach (var method in Methods)
            Console.WriteLine($"{method.Name,-14}" + string.Concat(columns.Select(c =>
                $"{$"{c.Cells[method.Name].Build:F2} + {c.Cells[method.Name].Evaluate:F2}",width}")));
        Console.WriteLine();
        TimeAssignment(2000);
        return 0;
    }

    private static SubspaceTransformer Train(MLContext ml, IDataView train, int[] hidden, Commands.SampleSettings options, int member) =>
        ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            HiddenLayers = hidden,
            Epochs = options.Epochs,
            Seed = options.Seed * 1000 + member,
        }).Fit(train);

    /// <summary>Times the exact assignment solver alone on n x n matrices like the ones optimal transport solves.</summary>
    private static void TimeAssignment(int n)
    {
        var random = new Random(7);
        const int dimension = 795; // 784 incoming weights + bias + 10 outgoing weights
        var x = new double[n * dimension];
        var y = new double[n * dimension];
        for (int i = 0; i < x.Length; i++) { x[i] = Gaussian(random); y[i] = Gaussian(random); }
        var cost = new double[n * n];
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < dimension; k++) { double d = x[i * dimension + k] - y[j * dimension + k]; s += d * d; }
                cost[i * n + j] = s;
            }
        });
        var clock = Stopwatch.StartNew();
        LinearAssignment.Solve(cost, n);
        double distances = clock.Elapsed.TotalSeconds;
        for (int i = 0; i < cost.Length; i++) cost[i] = random.NextDouble();
        clock.Restart();
        LinearAssignment.Solve(cost, n);
        double uniform = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exact assignment (LinearAssignment.Solve) of {n} x {n}: {distances:F2}s on squared distances between Gaussian neuron vectors, {uniform:F2}s on uniform random costs."));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
