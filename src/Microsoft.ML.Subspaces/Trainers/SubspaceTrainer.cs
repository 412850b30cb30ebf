using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// The estimator of every subspace trainer (<c>Line</c>, <c>Curve</c>, <c>Simplex</c>, <c>Standard</c>):
/// reads the training data into tensors once, trains a subspace of networks on TorchSharp and returns a
/// <see cref="SubspaceTransformer"/> that predicts at the shape's center unless told otherwise.
/// </summary>
public sealed class SubspaceTrainer : NetworkTrainerBase<SubspaceTransformer>
{
    private readonly ShapeTrainerOptions _options;

    internal SubspaceTrainer(MLContext context, SubspaceShape shape, ShapeTrainerOptions options, NetworkOutput output = NetworkOutput.Softmax)
        : base(context, options, shape?.Name ?? throw new ArgumentNullException(nameof(shape)))
    {
        _options = options;
        Shape = shape;
        Output = output;
    }

    /// <summary>The task this trainer fits: multiclass (softmax), binary (sigmoid) or regression (linear).</summary>
    private protected override NetworkOutput Output { get; }

    /// <summary>The shape this trainer fits.</summary>
    public SubspaceShape Shape { get; }

    private protected override string FeatureColumnName => _options.FeatureColumnName;

    private protected override SubspaceTransformer Train(TrainingRun run, DataViewSchema schema)
    {
        var spec = run.NetworkFor(_options, schema);
        run.Info($"Training a {Shape.Name} of {spec.Describe()} on {run.TrainRows} rows{(run.Streamed is not null ? " (streamed)" : "")}, {run.Device}, seed {run.Seed}.");

        // Networks with BatchNorm: training rows kept (and saved, from CPU memory) to recompute statistics for each prediction point.
        var batchNormSample = NetworkFactory.HasBatchNorm(spec) ? run.BatchNormSample(_options.BatchNormSampleRows) : null;
        try
        {
            var augmentation = spec.IsImageNetwork && (_options.RandomCropPadding > 0 || _options.HorizontalFlip)
                ? new ImageAugmentation(spec.InputShape, _options.RandomCropPadding, _options.HorizontalFlip) : null;
            var loop = NewLoop(Shape, run.SettingsFor(_options), run, batchNormSample: batchNormSample, augmentation: augmentation);
            var network = loop.Train(spec, run.Batches, run.Device, run.Validation, _options.CancellationToken);
            var fitted = Fitted(run, network, Shape, loop.History.ToArray(), batchNormSample);
            batchNormSample = null; // owned by the fitted model now
            return fitted;
        }
        finally
        {
            batchNormSample?.Dispose();
        }
    }
}
