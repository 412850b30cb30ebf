using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Training;
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
public sealed class StochasticWeightAveragingTrainer : IEstimator<SubspaceTransformer>
{
    private readonly MLContext _context;
    private readonly StochasticWeightAveragingOptions _options;

    internal StochasticWeightAveragingTrainer(MLContext context, StochasticWeightAveragingOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        TrainingRun.Settings(options, 0).Validate();
        TrainingRun.RejectEarlyStopping(options, "Stochastic Weight Averaging");
        if (options.SwaStartEpoch is int first && (first < 1 || options.Epochs is int epochs && first > epochs))
            throw new ArgumentOutOfRangeException(nameof(StochasticWeightAveragingOptions.SwaStartEpoch), first, $"SwaStartEpoch must be in [1, Epochs = {options.Epochs}].");
        if (!(options.SwaLearningRate > 0 && options.SwaLearningRate <= options.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(StochasticWeightAveragingOptions.SwaLearningRate), options.SwaLearningRate,
                $"SwaLearningRate must be positive and at most LearningRate ({options.LearningRate}).");
        if (options.HiddenLayers is null || options.HiddenLayers.Any(h => h < 1))
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.HiddenLayers), "HiddenLayers must be non-null with widths of at least 1.");
    }

    /// <summary>Test hook: called with the epoch and the network each time its weights enter the average.</summary>
    internal Action<int, SubspaceNetwork>? WeightsCollected { get; set; }

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public SubspaceTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Trains on <paramref name="trainData"/>, logging validation accuracy of the network and of the running average.</summary>
    public SubspaceTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        using var run = TrainingRun.Start(_context, "StochasticWeightAveraging", _options, trainData, validationData);
        var spec = run.Standardized(new NetworkSpec { Kind = NetworkArchitecture.Mlp, InputSize = (int)run.Train.FeatureSize, HiddenSizes = (int[])_options.HiddenLayers.Clone(), ClassCount = run.Train.ClassCount }, _options);
        int epochs = run.EpochsFor(_options);
        int start = _options.StartEpochOf(epochs);
        if (start > epochs)
            throw new ArgumentOutOfRangeException(nameof(StochasticWeightAveragingOptions.SwaStartEpoch), start, $"SwaStartEpoch must be in [1, Epochs = {epochs}] (the automatic budget for {run.Train.Count} rows).");
        int batchesPerEpoch = run.BatchesPerEpoch(_options.BatchSize);
        run.Info($"SWA of a {spec.Describe()} on {run.Train.Count} rows, {run.Device}, seed {run.Seed}: {epochs} epochs, averaging from epoch {start}, SWA lr {_options.SwaLearningRate}.");

        using var average = new WeightAverage();
        SubspaceNetwork? network = null;
        var loop = new SubspaceTrainingLoop(SinglePoint.Instance, run.SettingsFor(_options) with { Beta = 0, LayerWise = false, WarmupEpochs = 0 })
        {
            Progress = _options.Progress,
            Log = run.Info,
            Schedule = new HoldThenLinearDecaySchedule(_options.LearningRate, _options.SwaLearningRate, horizonSteps: (long)start * batchesPerEpoch),
            AfterEpoch = epoch =>
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
            },
        };
        using (var generator = new Generator((ulong)run.Seed, CPU))
            network = NetworkFactory.Create(spec.WithPointCount(1), generator);
        try
        {
            network.to(run.Device);
            loop.Train(network, run.Train, run.Validation, _options.CancellationToken);
            network.ClearMixing();
            average.CopyTo(network);
            if (BatchNormStatistics.Recompute(network, run.Train, _options.BatchSize))
                run.Info("SWA: BatchNorm statistics recomputed for the averaged weights.");
            network.eval();
            return new SubspaceTransformer(new SharedNetwork(network), SinglePoint.Instance, run.FeatureColumnName, run.Labels,
                new[] { Array.Empty<double>() }, "center", loop.History.ToArray());
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The output schema: the input columns plus <c>PredictedLabel</c> and <c>Score</c>.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SubspaceTrainer.OutputSchema(_context, _options.LabelColumnName, _options.FeatureColumnName, _options.ExampleWeightColumnName, inputSchema);
}
