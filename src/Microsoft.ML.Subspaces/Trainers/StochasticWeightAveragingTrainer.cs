using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Stochastic Weight Averaging (Izmailov et al., 2018): trains one network whose learning rate decays to a constant
/// SWA rate and averages its weights once per epoch from a start epoch on (<c>swa &lt;- swa + (w - swa) / (n + 1)</c>).
/// BatchNorm statistics, when the network has any, are recomputed for the average. The result is a standard
/// (single-point) <see cref="SubspaceTransformer"/> holding the averaged weights.
/// </summary>
public sealed class StochasticWeightAveragingTrainer : NetworkTrainerBase<SubspaceTransformer>
{
    private readonly StochasticWeightAveragingOptions _options;

    internal StochasticWeightAveragingTrainer(MLContext context, StochasticWeightAveragingOptions options)
        : base(context, options, "StochasticWeightAveraging")
    {
        _options = options;
    }

    /// <summary>Test hook: called with the epoch and the network each time its weights enter the average.</summary>
    internal Action<int, SubspaceNetwork>? WeightsCollected { get; set; }

    private protected override string FeatureColumnName => _options.FeatureColumnName;

    private protected override SubspaceTransformer Train(TrainingRun run, DataViewSchema schema)
    {
        var spec = run.NetworkFor(_options, schema);
        int epochs = run.EpochsFor(_options);
        int start = _options.StartEpochOf(epochs);
        if (start > epochs)
            throw new ArgumentOutOfRangeException(nameof(StochasticWeightAveragingOptions.SwaStartEpoch), start, $"SwaStartEpoch must be in [1, Epochs = {epochs}] (the automatic budget for {run.Train.Count} rows).");
        int batchesPerEpoch = run.BatchesPerEpoch(_options.BatchSize);
        run.Info($"SWA of a {spec.Describe()} on {run.Train.Count} rows, {run.Device}, seed {run.Seed}: {epochs} epochs, averaging from epoch {start}, SWA lr {_options.SwaLearningRate}.");

        using var average = new WeightAverage();
        SubspaceNetwork? network = null;
        var loop = NewLoop(SinglePoint.Instance, run.SettingsFor(_options) with { WarmupEpochs = 0 }, run,
            schedule: new HoldThenLinearDecaySchedule(_options.EffectiveLearningRate, _options.SwaLearningRate, horizonSteps: (long)start * batchesPerEpoch),
            afterEpoch: epoch =>
            {
                if (epoch < start || network is null) return;
                average.Add(network);
                WeightsCollected?.Invoke(epoch, network);
                string message = $"SWA: epoch {epoch} averaged ({average.Count} weight sets)";
                if (run.Validation is { } validation && !network.buffers().Any())
                {
                    using var averaged = network.Materialize(new[] { 1.0 });
                    average.CopyTo(averaged);
                    using var p = ValidationScoring.Probabilities(averaged, validation);
                    message += $", validation accuracy of the average {ValidationScoring.Accuracy(p, validation):P2}";
                }
                run.Info(message);
            });
        network = run.NewSingleNetwork(spec);
        try
        {
            loop.Train(network, run.Train, run.Validation, _options.CancellationToken);
            network.ClearMixing();
            average.CopyTo(network);
            if (BatchNormStatistics.Recompute(network, run.Train, _options.BatchSize))
                run.Info("SWA: BatchNorm statistics recomputed for the averaged weights.");
            network.eval();
            return Fitted(run, network, SinglePoint.Instance, loop.History.ToArray());
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
