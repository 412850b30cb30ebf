using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
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
public sealed class ConnectCurveTrainer : NetworkTrainerBase<SubspaceTransformer>
{
    private readonly SubspaceTransformer _start;
    private readonly SubspaceTransformer _end;
    private readonly ConnectCurveOptions _options;

    internal ConnectCurveTrainer(MLContext context, SubspaceTransformer start, SubspaceTransformer end, ConnectCurveOptions options)
        : base(context, options!, "ConnectCurve." + options?.Kind)
    {
        _options = options!;
        _start = start ?? throw new ArgumentNullException(nameof(start));
        _end = end ?? throw new ArgumentNullException(nameof(end));
        Shape = options!.Kind.Shape(options.Bends); // options were validated by the base constructor
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

    private protected override string FeatureColumnName => _start.FeatureColumnName;

    private protected override ScorerTransformer ContinuedModel => _start;

    private protected override SubspaceTransformer Train(TrainingRun run, DataViewSchema schema)
    {
        var (a, b) = FittedNetworks.Ends(_start, _end);
        SubspaceNetwork curve;
        try
        {
            // (w0, bends..., w1) = (start, evenly spaced points of the segment, end): the curve starts as the straight segment.
            int n = Shape.PointCount - 1;
            var mixing = Enumerable.Range(0, n + 1).Select(j => new[] { 1 - (double)j / n, (double)j / n }).ToArray();
            curve = FittedNetworks.Stack(new[] { a, b }, mixing, run.Device);
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
            var loop = NewLoop(Shape, run.SettingsFor(_options), run,
                schedule: new HoldThenLinearDecaySchedule(_options.EffectiveLearningRate, _options.EffectiveLearningRate * _options.FinalLearningRateFraction),
                batchNormSample: batchNormSample);
            loop.Train(curve, run.Train, run.Validation, _options.CancellationToken);
            curve.ClearMixing();
            var fitted = Fitted(run, curve, Shape, loop.History.ToArray(), batchNormSample);
            batchNormSample = null; // owned by the fitted model now
            return fitted;
        }
        catch
        {
            batchNormSample?.Dispose();
            curve.Dispose();
            throw;
        }
    }
}
