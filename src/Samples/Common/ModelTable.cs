using Microsoft.ML;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Transformers;

namespace Subspaces.Samples.Common;

/// <summary>
/// The table the main and image samples print: accuracy, log-loss and ECE (20 bins) of each model on the test rows,
/// with the median seconds per training epoch of the models that were trained.
/// </summary>
public sealed class ModelTable
{
    private readonly MLContext _ml;
    private readonly IDataView _test;
    private readonly List<(string Name, SubspaceMetrics Metrics, string Time)> _rows = new();

    public ModelTable(MLContext ml, IDataView test)
    {
        _ml = ml;
        _test = test;
    }

    /// <summary>Adds a row for <paramref name="model"/>, with its seconds per epoch when it was trained (not derived).</summary>
    public void Add(string name, ITransformer model, SubspaceTransformer? trained = null) =>
        _rows.Add((name, _ml.Subspaces().Evaluate(model.Transform(_test)), trained is null ? "" : SecondsPerEpoch(trained)));

    /// <summary>
    /// The rows of a line: its midpoint, both endpoints, the endpoint ensemble, and the worst of 11 evenly spaced points.
    /// Every point's network is materialized once (with BatchNorm, its statistics recomputed) and cached by the model.
    /// </summary>
    public void AddLine(string name, SubspaceTransformer line)
    {
        var points = Enumerable.Range(0, 11).Select(i => i / 10.0).Select(t => (t, m: Derived(line.WithPoint(t)))).ToList();
        Add($"{name} midpoint", line, line);
        _rows.Add(($"{name} endpoint t=0", points[0].m, ""));
        _rows.Add(($"{name} endpoint t=1", points[10].m, ""));
        _rows.Add(($"{name} endpoint ensemble", Derived(line.WithEnsemble(SubspaceEnsemble.Endpoints)), ""));
        var worst = points.MinBy(p => p.m.Accuracy);
        _rows.Add(($"{name} worst of 11 points (t={worst.t:0.0})", worst.m, ""));
    }

    public void Print()
    {
        Console.WriteLine($"{"model",-44} {"accuracy",9} {"log-loss",9} {"ECE",7} {"s/epoch",8}");
        Console.WriteLine(new string('-', 81));
        foreach (var (name, m, time) in _rows)
            Console.WriteLine($"{name,-44} {m.Accuracy * 100,8:F2}% {m.LogLoss,9:F4} {m.ExpectedCalibrationError,7:F4} {time,8}");
    }

    /// <summary>Evaluates a transformer derived from a model (WithPoint, WithEnsemble) and releases it; the model keeps its cached networks.</summary>
    private SubspaceMetrics Derived(SubspaceTransformer derived)
    {
        using (derived) return _ml.Subspaces().Evaluate(derived.Transform(_test));
    }

    /// <summary>Median seconds of the training epochs after the first (which pays one-time start-up costs).</summary>
    private static string SecondsPerEpoch(SubspaceTransformer model) =>
        Statistics.Median(Statistics.TimedEpochSeconds(model.TrainingHistory)).ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
}
