using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Training;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Fits a curve between two fitted networks of one architecture (mode connectivity, Garipov et al. 2018): a
/// quadratic Bezier curve or a polygonal chain whose ends are the two networks, fixed, and whose bend starts at
/// their midpoint (the curve starts as the straight segment). Every batch samples a ~ U(0, 1) and trains the bend
/// through the network w(a). The result is a <see cref="SubspaceTransformer"/> of three points (start, bend, end):
/// at a = 0 and a = 1 it predicts exactly as the two models (with BatchNorm, statistics are recomputed for every
/// point over <c>BatchNormSampleRows</c> training rows, as the two models' own are, so the ends agree up to the
/// batching of that recomputation); <c>WithPoint</c>, <c>WithEnsemble</c> and path evaluation work on it.
/// </summary>
public sealed class ConnectCurveTrainer : IEstimator<SubspaceTransformer>
{
    /// <summary>The index of the trained bend among the curve's points (w0, wc, w1).</summary>
    internal const int BendIndex = 1;
    private readonly MLContext _context;
    private readonly SubspaceTransformer _start;
    private readonly SubspaceTransformer _end;
    private readonly ConnectCurveOptions _options;

    internal ConnectCurveTrainer(MLContext context, SubspaceTransformer start, SubspaceTransformer end, ConnectCurveOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _start = start ?? throw new ArgumentNullException(nameof(start));
        _end = end ?? throw new ArgumentNullException(nameof(end));
        Shape = options.Kind.Shape();
        if (!(options.FinalLearningRateFraction > 0 && options.FinalLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(ConnectCurveOptions.FinalLearningRateFraction), options.FinalLearningRateFraction, "FinalLearningRateFraction must be in (0, 1].");
        Settings(seed: 0).Validate();
        TrainingRun.RejectEarlyStopping(options, "curves between fitted models");
        // Incompatible ends fail here, before any data is read.
        start.ThrowIfDisposed();
        end.ThrowIfDisposed();
        ModelCompatibility.CheckSameTask(new ScorerTransformer[] { start, end }, new[] { "the start model", "the end model" }, nameof(end));
        ModelCompatibility.CheckSameArchitecture(start.Network, "the start model", end.Network, "the end model", nameof(end));
        foreach (var (model, name) in new[] { (start, "start"), (end, "end") })
            if (model.Positions.Count != 1)
                throw new ArgumentException($"The {name} model predicts with an ensemble of {model.Positions.Count} points; pick one point with WithPoint.", name);
    }

    /// <summary>The curve's shape: <see cref="BezierCurve"/> or <see cref="PolygonalChain"/>.</summary>
    public SubspaceShape Shape { get; }

    /// <summary>Fits the curve's bend on <paramref name="input"/>.</summary>
    public SubspaceTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Fits the curve's bend on <paramref name="trainData"/>, logging accuracy at the curve's midpoint on <paramref name="validationData"/> after every epoch.</summary>
    public SubspaceTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        using var run = TrainingRun.Start(_context, "ConnectCurve." + Shape.Name, _options, trainData, validationData, _start);
        var (a, b) = FittedNetworks.Ends(_start, _end);
        SubspaceNetwork curve;
        try
        {
            // (w0, wc, w1) = (start, midpoint, end): the curve starts as the straight segment.
            curve = FittedNetworks.Stack(new[] { a, b }, new[] { new[] { 1.0, 0 }, new[] { 0.5, 0.5 }, new[] { 0, 1.0 } }, run.Device);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
        // With BatchNorm, every point of the curve gets statistics recomputed for its weights (as the reference
        // implementation's update_bn does for each t); the stacked network carries only the start model's.
        var batchNormSample = curve.HasBatchNorm ? run.BatchNormSample(_options.BatchNormSampleRows) : null;
        try
        {
            run.Info($"Fitting a {Shape.Name} between two {curve.Spec.Describe()} networks on {run.Train.Count} rows, {run.Device}, seed {run.Seed}; ends fixed, bend trained." +
                     (batchNormSample is null ? "" : $" BatchNorm statistics recomputed at each point over {batchNormSample.shape[0]} rows."));
            var loop = new SubspaceTrainingLoop(Shape, Settings(run.Seed, run.Train.Count))
            {
                Progress = _options.Progress,
                Log = run.Info,
                Schedule = new HoldThenLinearDecaySchedule(_options.LearningRate, _options.LearningRate * _options.FinalLearningRateFraction),
                BatchNormSample = batchNormSample,
            };
            loop.Train(curve, run.Train, run.Validation, _options.CancellationToken);
            curve.ClearMixing();
            var shared = new SharedNetwork(curve, batchNormSample, _options.BatchSize);
            batchNormSample = null; // owned by the shared weights now
            return new SubspaceTransformer(shared, Shape, run.FeatureColumnName, run.Labels,
                new[] { Shape.Center }, "center", loop.History.ToArray());
        }
        catch
        {
            batchNormSample?.Dispose();
            curve.Dispose();
            throw;
        }
    }

    /// <summary>The output schema: the input columns plus <c>PredictedLabel</c> and <c>Score</c> (checked as the models would).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SubspaceTrainer.OutputSchema(_context, _options.LabelColumnName, _start.FeatureColumnName, _options.ExampleWeightColumnName, inputSchema);

    private TrainingSettings Settings(int seed, long? rows = null) => TrainingRun.Settings(_options, seed, rows) with
    {
        Beta = 0,
        LayerWise = false,
        TrainablePoints = new[] { BendIndex },
        WeightDecayMode = WeightDecayMode.MixedWeight,
    };
}
