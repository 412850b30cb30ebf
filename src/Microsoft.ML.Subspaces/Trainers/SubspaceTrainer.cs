using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Training;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// The estimator of every subspace trainer (<c>Line</c>, <c>Curve</c>, <c>Simplex</c>, <c>Standard</c>):
/// reads the training data into tensors once, trains a subspace of networks on TorchSharp and returns a
/// <see cref="SubspaceTransformer"/> that predicts at the shape's center unless told otherwise.
/// </summary>
public sealed class SubspaceTrainer : IEstimator<SubspaceTransformer>
{
    private readonly MLContext _context;
    private readonly NeuralNetworkTrainerOptions _options;

    internal SubspaceTrainer(MLContext context, SubspaceShape shape, NeuralNetworkTrainerOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Shape = shape;
        TrainingRun.Settings(options, seed: 0).Validate(); // fail at construction on bad hyper-parameters
        ValidateArchitecture(options.HiddenLayers);
        ValidateImageOptions(options);
    }

    /// <summary>The shape this trainer fits.</summary>
    public SubspaceShape Shape { get; }

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public SubspaceTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Trains on <paramref name="trainData"/>, reporting accuracy on <paramref name="validationData"/> after every epoch.</summary>
    public SubspaceTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        using var run = TrainingRun.Start(_context, Shape.Name, _options, trainData, validationData);
        var spec = run.Standardized(BuildSpec(trainData.Schema, (int)run.Train.FeatureSize, run.Train.ClassCount), _options);
        run.Info($"Training a {Shape.Name} of {spec.Describe()} on {run.Train.Count} rows, {run.Device}, seed {run.Seed}.");

        // Networks with BatchNorm: training rows kept (and saved, from CPU memory) to recompute statistics for each prediction point.
        var batchNormSample = NetworkFactory.HasBatchNorm(spec) ? run.BatchNormSample(_options.BatchNormSampleRows) : null;
        try
        {
            var loop = new SubspaceTrainingLoop(Shape, run.SettingsFor(_options))
            {
                Progress = _options.Progress,
                Log = run.Info,
                Augmentation = spec.IsImageNetwork && (_options.RandomCropPadding > 0 || _options.HorizontalFlip)
                    ? new ImageAugmentation(spec.InputShape, _options.RandomCropPadding, _options.HorizontalFlip) : null,
                BatchNormSample = batchNormSample,
            };
            var network = loop.Train(spec, run.Train, run.Device, run.Validation, _options.CancellationToken);
            var shared = new SharedNetwork(network, batchNormSample, _options.BatchSize);
            batchNormSample = null; // owned by the shared weights now
            return new SubspaceTransformer(shared, Shape, _options.FeatureColumnName, run.Labels,
                new[] { Shape.Center }, "center", loop.History.ToArray());
        }
        finally
        {
            batchNormSample?.Dispose();
        }
    }

    /// <summary>
    /// The output schema: the input columns plus <c>PredictedLabel</c> and <c>Score</c>. Checks the label,
    /// features and weight columns first, with errors naming the column.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        OutputSchema(_context, _options.LabelColumnName, _options.FeatureColumnName, _options.ExampleWeightColumnName, inputSchema);

    /// <summary>
    /// The output schema of any trainer of this library (subspaces, curves, FGE, SWA) reading the given columns: the
    /// input columns plus <c>PredictedLabel</c> and <c>Score</c>, after checking the label, features and weight columns.
    /// </summary>
    internal static SchemaShape OutputSchema(MLContext context, string labelColumnName, string featureColumnName, string? exampleWeightColumnName,
        SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var features = FindColumn(inputSchema, featureColumnName, "Features", "FeatureColumnName");
        if (features.Kind == SchemaShape.Column.VectorKind.VariableVector && features.ItemType == NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", featureColumnName,
                $"Features column '{featureColumnName}' is a vector of Single of unknown size: its rows may differ in length (for example images of different sizes). " +
                "Every row needs the same length: add ResizeImages before ExtractPixels, or make the vectors a fixed size.");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", featureColumnName,
                $"Features column '{featureColumnName}' must be a known-size vector of Single; it is {features.Kind} of {features.ItemType}.");
        var label = FindColumn(inputSchema, labelColumnName, "Label", "LabelColumnName");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException("LabelColumnName", labelColumnName,
                $"Label column '{labelColumnName}' must be key-typed; it is {label.ItemType}. Add MapValueToKey(\"{labelColumnName}\") before the trainer.");
        if (exampleWeightColumnName is string weightName)
        {
            var weight = FindColumn(inputSchema, weightName, "Example weight", "ExampleWeightColumnName");
            if (weight.Kind != SchemaShape.Column.VectorKind.Scalar || weight.ItemType != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException("ExampleWeightColumnName", weightName, $"Example weight column '{weightName}' must be a Single scalar.");
        }
        // SchemaShape.Column cannot be constructed outside ML.NET: a standard multiclass trainer's
        // GetOutputSchema yields the same Score/PredictedLabel shapes and trains nothing.
        return context.MulticlassClassification.Trainers
            .SdcaMaximumEntropy(labelColumnName, featureColumnName, exampleWeightColumnName)
            .GetOutputSchema(inputSchema);
    }

    private static SchemaShape.Column FindColumn(SchemaShape schema, string name, string role, string option)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException(option, name,
            $"{role} column '{name}' not found. Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
    }

    /// <summary>The architecture for the options and the features column (image shape from the column's dimensions or ImageShape).</summary>
    private NetworkSpec BuildSpec(DataViewSchema schema, int featureSize, int classCount)
    {
        if (_options.Network == NetworkArchitecture.Mlp)
            return new NetworkSpec { Kind = NetworkArchitecture.Mlp, InputSize = featureSize, HiddenSizes = (int[])_options.HiddenLayers.Clone(), ClassCount = classCount };
        var column = schema[_options.FeatureColumnName];
        var shape = ImageFeatureShape.Resolve(column, _options.ImageShape, nameof(NeuralNetworkTrainerOptions.ImageShape));
        int minimumSide = _options.Network == NetworkArchitecture.ConvNet ? SubspaceConvNet.MinimumSide : 1;
        if (shape[1] < minimumSide || shape[2] < minimumSide)
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.Network), _options.Network,
                $"{_options.Network} needs images of at least {minimumSide}x{minimumSide} pixels; features column '{column.Name}' holds [C, H, W] = {ImageFeatureShape.Format(shape)}.");
        if (_options.ChannelMean is { } mean && mean.Length != shape[0])
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.ChannelMean), mean.Length,
                $"ChannelMean has {mean.Length} value(s), ChannelStd {_options.ChannelStd?.Length ?? 0}; features column '{column.Name}' has {shape[0]} channel(s) ([C, H, W] = {ImageFeatureShape.Format(shape)}). Give one mean and one standard deviation per channel.");
        return new NetworkSpec
        {
            Kind = _options.Network,
            InputSize = featureSize,
            ClassCount = classCount,
            InputShape = shape,
            WidthMultiplier = _options.WidthMultiplier,
            ChannelMean = _options.ChannelMean is null ? Array.Empty<double>() : Array.ConvertAll(_options.ChannelMean, v => (double)v),
            ChannelStd = _options.ChannelStd is null ? Array.Empty<double>() : Array.ConvertAll(_options.ChannelStd, v => (double)v),
        };
    }

    private static void ValidateImageOptions(NeuralNetworkTrainerOptions o)
    {
        if (!Enum.IsDefined(o.Network))
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.Network), o.Network, "Unknown network architecture.");
        if (o.BatchNormSampleRows < 1)
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.BatchNormSampleRows), o.BatchNormSampleRows, "BatchNormSampleRows must be at least 1.");
        bool image = o.Network != NetworkArchitecture.Mlp;
        if (!image)
        {
            string? set = o.ImageShape is not null ? nameof(o.ImageShape)
                : o.ChannelMean is not null || o.ChannelStd is not null ? nameof(o.ChannelMean) + "/" + nameof(o.ChannelStd)
                : o.RandomCropPadding != 0 ? nameof(o.RandomCropPadding)
                : o.HorizontalFlip ? nameof(o.HorizontalFlip)
                : o.WidthMultiplier != 1 ? nameof(o.WidthMultiplier) : null;
            if (set is not null)
                throw new ArgumentException($"{set} applies to image networks; set Network to {NetworkArchitecture.ConvNet} or {NetworkArchitecture.ResNet20} (Network is {o.Network}).", set);
            return;
        }
        ImageFeatureShape.ValidateOption(o.ImageShape, nameof(NeuralNetworkTrainerOptions.ImageShape));
        if (!(o.WidthMultiplier > 0) || double.IsInfinity(o.WidthMultiplier))
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.WidthMultiplier), o.WidthMultiplier, "WidthMultiplier must be positive and finite.");
        if (o.RandomCropPadding < 0)
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.RandomCropPadding), o.RandomCropPadding, "RandomCropPadding cannot be negative (0 turns cropping off).");
        if ((o.ChannelMean is null) != (o.ChannelStd is null) || o.ChannelMean is not null && o.ChannelMean.Length != o.ChannelStd!.Length)
            throw new ArgumentException(
                $"ChannelMean and ChannelStd go together, one value per channel; got {o.ChannelMean?.Length.ToString() ?? "none"} and {o.ChannelStd?.Length.ToString() ?? "none"}.",
                nameof(NeuralNetworkTrainerOptions.ChannelMean));
        if (o.ChannelMean is not null)
        {
            foreach (var m in o.ChannelMean)
                if (!float.IsFinite(m)) throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.ChannelMean), m, "ChannelMean values must be finite.");
            foreach (var d in o.ChannelStd!)
                if (!(d > 0) || float.IsInfinity(d)) throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.ChannelStd), d, "ChannelStd values must be positive and finite.");
        }
        if (o.ImageShape is not null && o.ChannelMean is not null && o.ChannelMean.Length != o.ImageShape[0])
            throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.ChannelMean), o.ChannelMean.Length,
                $"ChannelMean has {o.ChannelMean.Length} value(s); ImageShape {ImageFeatureShape.Format(o.ImageShape)} has {o.ImageShape[0]} channel(s).");
    }

    private static void ValidateArchitecture(int[]? hidden)
    {
        if (hidden is null) throw new ArgumentNullException(nameof(NeuralNetworkTrainerOptions.HiddenLayers), "HiddenLayers cannot be null; use an empty array for no hidden layer.");
        foreach (var h in hidden)
            if (h < 1) throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.HiddenLayers), h, "Every hidden layer width must be at least 1.");
    }
}
