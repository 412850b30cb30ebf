using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Runtime;
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
        Settings(seed: 0).Validate(); // fail at construction on bad hyper-parameters
        ValidateArchitecture(options.HiddenLayers);
    }

    /// <summary>The shape this trainer fits.</summary>
    public SubspaceShape Shape { get; }

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public SubspaceTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Trains on <paramref name="trainData"/>, reporting accuracy on <paramref name="validationData"/> after every epoch.</summary>
    public SubspaceTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var host = ((IHostEnvironment)_context).Register("Subspaces." + Shape.Name);
        int seed = _options.Seed ?? host.Rand.Next();
        using var channel = host.Start("Training");

        var device = TorchDeviceResolver.Resolve(_options.Device, _context.GpuDeviceId, _context.FallbackToCpu, msg => channel.Warning(MessageSensitivity.None, msg));
        if (_options.NumberOfThreads is int threads)
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.NumberOfThreads), threads, "NumberOfThreads must be at least 1.");
            set_num_threads(threads);
        }

        var labelColumn = trainData.Schema.GetColumnOrNull(_options.LabelColumnName);
        var read = DataViewTensorReader.Read(trainData, _options.FeatureColumnName, _options.LabelColumnName, _options.ExampleWeightColumnName);
        using var train = read.Data;
        if (read.SkippedMissingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {read.SkippedMissingLabels} training rows whose label '{_options.LabelColumnName}' is missing (key 0).");
        TensorDataset? validation = null;
        if (validationData is not null)
        {
            var v = DataViewTensorReader.Read(validationData, _options.FeatureColumnName, _options.LabelColumnName, null, "validation");
            if (v.Data.ClassCount != train.ClassCount)
                throw new ArgumentException($"The validation label '{_options.LabelColumnName}' has {v.Data.ClassCount} classes; the training label has {train.ClassCount}.", nameof(validationData));
            validation = v.Data;
        }

        var labels = LabelKeyValues.FromColumn(labelColumn!.Value) is { } kv && kv.Count == train.ClassCount ? kv : LabelKeyValues.Ordinal(train.ClassCount);
        var spec = new NetworkSpec { Kind = "mlp", InputSize = (int)train.FeatureSize, HiddenSizes = (int[])_options.HiddenLayers.Clone(), ClassCount = train.ClassCount };
        channel.Info(MessageSensitivity.None, $"Training a {Shape.Name} of {spec.Describe()} on {train.Count} rows, {device}, seed {seed}.");

        var deviceTrain = train.To(device);
        var deviceValidation = validation?.To(device);
        try
        {
            var loop = new SubspaceTrainingLoop(Shape, Settings(seed))
            {
                Progress = _options.Progress,
                Log = msg => channel.Info(MessageSensitivity.None, msg),
            };
            var network = loop.Train(spec, deviceTrain, device, deviceValidation, _options.CancellationToken);
            return new SubspaceTransformer(new SharedNetwork(network), Shape, _options.FeatureColumnName, labels,
                new[] { Shape.Center }, "center", loop.History.ToArray());
        }
        finally
        {
            if (!ReferenceEquals(deviceTrain, train)) deviceTrain.Dispose();
            if (deviceValidation is not null && !ReferenceEquals(deviceValidation, validation)) deviceValidation.Dispose();
            validation?.Dispose();
        }
    }

    /// <summary>
    /// The output schema: the input columns plus <c>PredictedLabel</c> and <c>Score</c>. Checks the label,
    /// features and weight columns first, with errors naming the column.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var features = FindColumn(inputSchema, _options.FeatureColumnName, "Features", "FeatureColumnName");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", _options.FeatureColumnName,
                $"Features column '{_options.FeatureColumnName}' must be a known-size vector of Single; it is {features.Kind} of {features.ItemType}.");
        var label = FindColumn(inputSchema, _options.LabelColumnName, "Label", "LabelColumnName");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException("LabelColumnName", _options.LabelColumnName,
                $"Label column '{_options.LabelColumnName}' must be key-typed; it is {label.ItemType}. Add MapValueToKey(\"{_options.LabelColumnName}\") before the trainer.");
        if (_options.ExampleWeightColumnName is string weightName)
        {
            var weight = FindColumn(inputSchema, weightName, "Example weight", "ExampleWeightColumnName");
            if (weight.Kind != SchemaShape.Column.VectorKind.Scalar || weight.ItemType != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException("ExampleWeightColumnName", weightName, $"Example weight column '{weightName}' must be a Single scalar.");
        }
        // SchemaShape.Column cannot be constructed outside ML.NET: a standard multiclass trainer's
        // GetOutputSchema yields the same Score/PredictedLabel shapes and trains nothing.
        return _context.MulticlassClassification.Trainers
            .SdcaMaximumEntropy(_options.LabelColumnName, _options.FeatureColumnName, _options.ExampleWeightColumnName)
            .GetOutputSchema(inputSchema);
    }

    private static SchemaShape.Column FindColumn(SchemaShape schema, string name, string role, string option)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException(option, name,
            $"{role} column '{name}' not found. Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
    }

    private TrainingSettings Settings(int seed) => new()
    {
        Epochs = _options.Epochs,
        BatchSize = _options.BatchSize,
        LearningRate = _options.LearningRate,
        Momentum = _options.Momentum,
        WeightDecay = _options.WeightDecay,
        WarmupEpochs = _options.WarmupEpochs,
        Beta = _options.BetaValue,
        LayerWise = _options.LayerWiseValue,
        LabelSmoothing = _options.LabelSmoothing,
        Seed = seed,
    };

    private static void ValidateArchitecture(int[]? hidden)
    {
        if (hidden is null) throw new ArgumentNullException(nameof(NeuralNetworkTrainerOptions.HiddenLayers), "HiddenLayers cannot be null; use an empty array for no hidden layer.");
        foreach (var h in hidden)
            if (h < 1) throw new ArgumentOutOfRangeException(nameof(NeuralNetworkTrainerOptions.HiddenLayers), h, "Every hidden layer width must be at least 1.");
    }
}
