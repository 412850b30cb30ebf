using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// The snapshots of a cyclic run (FGE, Snapshot Ensembles): copies of the network as standard models, and, with
/// validation data, each snapshot's and the running ensemble's validation accuracy, logged and reported. Owns the
/// snapshots until <see cref="ToEnsemble"/> hands them over.
/// </summary>
internal sealed class SnapshotCollector : IDisposable
{
    private readonly TrainingRun _run;
    private readonly string _method;
    private readonly int _expected;
    private readonly IProgress<SnapshotProgress>? _progress;
    private readonly Func<SubspaceNetwork, SubspaceTransformer> _fitted;
    private readonly List<ScorerTransformer> _snapshots = new();
    private Tensor? _ensembleScores;

    /// <param name="run">The run (validation data, log).</param>
    /// <param name="method">"FGE", "SSE": the log's prefix.</param>
    /// <param name="expected">Snapshots the run should collect.</param>
    /// <param name="progress">Receives a report per snapshot.</param>
    /// <param name="fitted">Wraps a one-point network copy as a fitted standard model.</param>
    public SnapshotCollector(TrainingRun run, string method, int expected, IProgress<SnapshotProgress>? progress, Func<SubspaceNetwork, SubspaceTransformer> fitted)
    {
        _run = run;
        _method = method;
        _expected = expected;
        _progress = progress;
        _fitted = fitted;
    }

    public int Count => _snapshots.Count;

    /// <summary>Copies the one-point <paramref name="network"/> as the next snapshot, after <paramref name="step"/> steps at <paramref name="learningRate"/>.</summary>
    public void Collect(SubspaceNetwork network, long step, double learningRate)
    {
        var snapshot = network.Materialize(new[] { 1.0 });
        _snapshots.Add(_fitted(snapshot));
        double? accuracy = null, ensembleAccuracy = null;
        if (_run.Validation is { } validation)
        {
            using var p = ValidationScoring.Probabilities(snapshot, validation);
            accuracy = ValidationScoring.Accuracy(p, validation);
            if (_ensembleScores is null) _ensembleScores = p.clone().DetachFromDisposeScope();
            else _ensembleScores.Plus_(p);
            ensembleAccuracy = ValidationScoring.Accuracy(_ensembleScores, validation);
        }
        _run.Info(FormattableString.Invariant($"{_method} snapshot {_snapshots.Count}/{_expected} at step {step}, lr {learningRate:G3}") +
                  (accuracy is double a ? FormattableString.Invariant($": validation accuracy {a:P2}, ensemble of {_snapshots.Count} {ensembleAccuracy:P2}") : ""));
        _progress?.Report(new SnapshotProgress(_snapshots.Count, _expected, step, learningRate, accuracy, ensembleAccuracy));
    }

    /// <summary>The ensemble of the snapshots, which it now owns; an error when the run collected another number than expected.</summary>
    public EnsembleTransformer ToEnsemble(string description, IReadOnlyList<EpochSummary> history)
    {
        if (_snapshots.Count != _expected)
            throw new InvalidOperationException($"{_method} collected {_snapshots.Count} snapshots; expected {_expected}.");
        var ensemble = EnsembleTransformer.Own(_snapshots, description, history);
        _snapshots.Clear();
        return ensemble;
    }

    /// <summary>Frees the snapshots not handed over (a failed or cancelled run) and the running ensemble's scores.</summary>
    public void Dispose()
    {
        foreach (var s in _snapshots) s.Dispose();
        _snapshots.Clear();
        _ensembleScores?.Dispose();
        _ensembleScores = null;
    }
}
