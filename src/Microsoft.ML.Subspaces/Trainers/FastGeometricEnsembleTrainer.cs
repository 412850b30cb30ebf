using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Fast Geometric Ensembling (Garipov et al., 2018): from a fitted model (or one trained first), cycles of a
/// piecewise-linear learning rate between lr1 and lr2 move the network along a low-loss path; the network at the
/// low point of every cycle is collected, and the result is an <see cref="EnsembleTransformer"/> averaging the
/// snapshots' probabilities. With a validation set, the running ensemble's accuracy is logged (MLContext.Log)
/// and reported (<see cref="FastGeometricEnsembleOptions.SnapshotProgress"/>) after each snapshot.
/// </summary>
public sealed class FastGeometricEnsembleTrainer : NetworkTrainerBase<EnsembleTransformer>
{
    private readonly FastGeometricEnsembleOptions _options;
    private readonly SubspaceTransformer? _initial;

    internal FastGeometricEnsembleTrainer(MLContext context, FastGeometricEnsembleOptions options, SubspaceTransformer? initialModel)
        : base(context, options, "FastGeometricEnsemble")
    {
        _options = options;
        _initial = initialModel;
        if (initialModel is not null)
        {
            initialModel.ThrowIfDisposed();
            if (initialModel.Positions.Count != 1)
                throw new ArgumentException($"The initial model predicts with an ensemble of {initialModel.Positions.Count} points; pick one point with WithPoint.", nameof(initialModel));
            // From a fitted model the network and its features column are the model's: a network option set here would be ignored.
            var defaults = new FastGeometricEnsembleOptions();
            string? ignored = !options.HiddenLayers.SequenceEqual(defaults.HiddenLayers) ? nameof(options.HiddenLayers)
                : options.Network != defaults.Network ? nameof(options.Network)
                : options.ImageShape is not null ? nameof(options.ImageShape)
                : options.WidthMultiplier != defaults.WidthMultiplier ? nameof(options.WidthMultiplier)
                : options.ChannelMean is not null || options.ChannelStd is not null ? nameof(options.ChannelMean)
                : options.RandomCropPadding != 0 ? nameof(options.RandomCropPadding)
                : options.HorizontalFlip ? nameof(options.HorizontalFlip)
                : options.StandardizeFeatures != defaults.StandardizeFeatures ? nameof(options.StandardizeFeatures)
                : options.FeatureColumnName != defaults.FeatureColumnName && options.FeatureColumnName != initialModel.FeatureColumnName ? nameof(options.FeatureColumnName)
                : null;
            if (ignored is not null)
                throw new ArgumentException($"FGE from a fitted model uses that model's network and features column; {ignored} would be ignored. Leave it at its default, or train from scratch without an initial model.", ignored);
        }
    }

    private protected override string FeatureColumnName => _initial?.FeatureColumnName ?? _options.FeatureColumnName;

    private protected override ScorerTransformer? ContinuedModel => _initial;

    private protected override EnsembleTransformer Train(TrainingRun run, DataViewSchema schema)
    {
        var history = new List<EpochSummary>();
        SubspaceNetwork network;
        if (_initial is not null)
        {
            var copy = FittedNetworks.Single(_initial, "the initial model", "initialModel");
            network = FittedNetworks.Stack(new[] { copy }, new[] { new[] { 1.0 } }, run.Device);
            copy.Dispose();
            run.Info($"FGE from a fitted {network.Spec.Describe()} on {run.Train.Count} rows, {run.Device}, seed {run.Seed}.");
        }
        else
        {
            var spec = run.NetworkFor(_options, schema);
            run.Info($"FGE: training a standard {spec.Describe()} for {run.EpochsFor(_options)} epochs first, on {run.Train.Count} rows, {run.Device}, seed {run.Seed}.");
            var pretraining = NewLoop(SinglePoint.Instance, run.SettingsFor(_options), run);
            network = pretraining.Train(spec, run.Train, run.Device, run.Validation, _options.CancellationToken);
            history.AddRange(pretraining.History);
        }

        using var snapshots = new SnapshotCollector(run, "FGE", _options.Cycles, _options.SnapshotProgress,
            snapshot => Fitted(run, snapshot, SinglePoint.Instance, Array.Empty<EpochSummary>()));
        try
        {
            int batchesPerEpoch = run.BatchesPerEpoch(_options.BatchSize);
            long cycleSteps = _options.CycleIterations ?? (long)_options.CycleEpochs * batchesPerEpoch;
            var schedule = new CyclicLearningRate(_options.LearningRate1, _options.LearningRate2, cycleSteps);
            long totalSteps = schedule.StepsForSnapshots(_options.Cycles);
            string cycle = _options.CycleIterations is int it ? $"{it} iterations" : $"{_options.CycleEpochs} epochs";
            run.Info(FormattableString.Invariant(
                $"FGE: {_options.Cycles} cycles of {cycle} ({cycleSteps} steps), lr {_options.LearningRate1} -> {_options.LearningRate2} -> {_options.LearningRate1}, {totalSteps} steps ({(double)totalSteps / batchesPerEpoch:0.##} epochs)."));
            var settings = _options.SettingsFor(unchecked(run.Seed + 1), run.Train.Count) with { TotalSteps = totalSteps, WarmupEpochs = 0 };
            var loop = NewLoop(SinglePoint.Instance, settings, run, schedule: schedule,
                afterStep: done =>
                {
                    if (schedule.IsLowPoint(done)) snapshots.Collect(network, done, schedule.At(done - 1, totalSteps));
                });
            loop.Train(network, run.Train, run.Validation, _options.CancellationToken);
            int offset = history.Count;
            history.AddRange(loop.History.Select(e => e with { Epoch = e.Epoch + offset }));
            return snapshots.ToEnsemble($"fge({snapshots.Count} snapshots, cycle {cycle})", history);
        }
        finally
        {
            network.Dispose();
        }
    }
}
