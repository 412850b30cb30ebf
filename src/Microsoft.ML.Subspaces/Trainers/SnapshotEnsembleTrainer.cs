using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Snapshot Ensembles (Huang et al., 2017), the baseline Garipov et al. compare FGE with: one network, trained with
/// cosine annealing restarted <see cref="SnapshotEnsembleOptions.Cycles"/> times within the budget; the network at the
/// end of every cycle joins an <see cref="EnsembleTransformer"/> that averages the members' probabilities.
/// </summary>
public sealed class SnapshotEnsembleTrainer : NetworkTrainerBase<EnsembleTransformer>
{
    private readonly SnapshotEnsembleOptions _options;

    internal SnapshotEnsembleTrainer(MLContext context, SnapshotEnsembleOptions options)
        : base(context, options, "SnapshotEnsemble")
    {
        _options = options;
    }

    private protected override string FeatureColumnName => _options.FeatureColumnName;

    private protected override EnsembleTransformer Train(TrainingRun run, DataViewSchema schema)
    {
        var spec = run.NetworkFor(_options, schema);
        int epochs = run.EpochsFor(_options);
        if (epochs < _options.Cycles)
            throw new ArgumentOutOfRangeException(nameof(SnapshotEnsembleOptions.Cycles), _options.Cycles,
                $"Cycles ({_options.Cycles}) cannot exceed the {epochs} epochs of the budget for {run.Train.Count} rows.");
        long totalSteps = (long)epochs * run.BatchesPerEpoch(_options.BatchSize);
        long cycleSteps = totalSteps / _options.Cycles;
        totalSteps = cycleSteps * _options.Cycles; // the run ends with the last cycle
        // Warm-up inside the first cycle, at most half of it, so that its snapshot is still annealed.
        long warmupSteps = Math.Min((long)Math.Round(_options.WarmupEpochsFor(run.TrainRows, epochs) * run.BatchesPerEpoch(_options.BatchSize)), cycleSteps / 2);
        var schedule = new CosineRestartsLearningRate(_options.PeakLearningRate, cycleSteps, warmupSteps, _options.WarmupEveryCycle);
        run.Info(FormattableString.Invariant(
            $"SSE of a {spec.Describe()} on {run.Train.Count} rows, {run.Device}, seed {run.Seed}: {_options.Cycles} cycles of {cycleSteps} steps ({warmupSteps} of warm-up in {(_options.WarmupEveryCycle ? "each" : "the first")}), lr {_options.PeakLearningRate} annealed to 0 and restarted."));

        using var snapshots = new SnapshotCollector(run, "SSE", _options.Cycles, _options.SnapshotProgress,
            snapshot => Fitted(run, snapshot, SinglePoint.Instance, Array.Empty<EpochSummary>()));
        SubspaceNetwork? network = null;
        var loop = NewLoop(SinglePoint.Instance, run.SettingsFor(_options) with { TotalSteps = totalSteps }, run, schedule: schedule,
            afterStep: done =>
            {
                if (schedule.IsCycleEnd(done)) snapshots.Collect(network!, done, schedule.At(done - 1, totalSteps));
            });
        network = run.NewSingleNetwork(spec);
        try
        {
            loop.Train(network, run.Train, run.Validation, _options.CancellationToken);
            return snapshots.ToEnsemble($"sse({snapshots.Count} snapshots, cycle {cycleSteps} steps)", loop.History.ToArray());
        }
        finally
        {
            network.Dispose();
        }
    }
}
