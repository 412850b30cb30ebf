using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// The estimator every trainer of this library is: it checks its options at construction, and <c>Fit</c> reads the
/// data into tensors once (<see cref="TrainingRun"/>), lets the trainer train, and returns the fitted transformer. A
/// trainer supplies only what differs: its features column, the model it continues (if any), and the training itself.
/// </summary>
/// <typeparam name="TTransformer">The fitted model: a <see cref="SubspaceTransformer"/> or an <see cref="EnsembleTransformer"/>.</typeparam>
public abstract class NetworkTrainerBase<TTransformer> : IEstimator<TTransformer>
    where TTransformer : class, ITransformer
{
    private readonly TrainerOptionsBase _options;

    private protected NetworkTrainerBase(MLContext context, TrainerOptionsBase options, string name)
    {
        Context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Name = name;
        options.Validate(); // fail at construction on bad options, before any data is read
    }

    private protected MLContext Context { get; }

    /// <summary>The trainer's name in MLContext.Log ("Subspaces." + name).</summary>
    private protected string Name { get; }

    /// <summary>The features column the fitted model reads.</summary>
    private protected abstract string FeatureColumnName { get; }

    /// <summary>The task: class probabilities (the default), a binary logit, or a regression value.</summary>
    private protected virtual NetworkOutput Output => NetworkOutput.Softmax;

    /// <summary>A fitted model this trainer continues or connects; its features, classes and label values bind the data.</summary>
    private protected virtual ScorerTransformer? ContinuedModel => null;

    /// <summary>Trains on <paramref name="input"/> (with the options' validation set, if any).</summary>
    public TTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Trains on <paramref name="trainData"/>, reporting accuracy on <paramref name="validationData"/> after every epoch.</summary>
    public TTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        using var run = TrainingRun.Start(Context, Name, _options, FeatureColumnName, trainData, validationData, ContinuedModel, Output);
        return Train(run, trainData.Schema);
    }

    /// <summary>The training between reading the data and returning the model.</summary>
    private protected abstract TTransformer Train(TrainingRun run, DataViewSchema schema);

    /// <summary>
    /// The output schema: the input columns plus the task's columns (<c>PredictedLabel</c> and <c>Score</c>; binary
    /// classification also <c>Probability</c>; regression <c>Score</c> alone). Checks the label, features and weight
    /// columns first, with errors naming the column.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        string featureColumnName = FeatureColumnName, labelColumnName = _options.LabelColumnName;
        var features = FindColumn(inputSchema, featureColumnName, "Features", "FeatureColumnName");
        if (features.Kind == SchemaShape.Column.VectorKind.VariableVector && features.ItemType == NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", featureColumnName,
                $"Features column '{featureColumnName}' is a vector of Single of unknown size: its rows may differ in length (for example images of different sizes). " +
                "Every row needs the same length: add ResizeImages before ExtractPixels, or make the vectors a fixed size.");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", featureColumnName,
                $"Features column '{featureColumnName}' must be a known-size vector of Single; it is {features.Kind} of {features.ItemType}.");
        var label = FindColumn(inputSchema, labelColumnName, "Label", "LabelColumnName");
        if (Output == NetworkOutput.Softmax && !label.IsKey)
            throw new ArgumentOutOfRangeException("LabelColumnName", labelColumnName,
                $"Label column '{labelColumnName}' must be key-typed; it is {label.ItemType}. Add MapValueToKey(\"{labelColumnName}\") before the trainer.");
        if (Output == NetworkOutput.Sigmoid && (label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType != BooleanDataViewType.Instance))
            throw new ArgumentOutOfRangeException("LabelColumnName", labelColumnName,
                $"Label column '{labelColumnName}' must be Boolean for binary classification; it is {label.ItemType}.");
        if (Output == NetworkOutput.Linear && (label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType != NumberDataViewType.Single || label.IsKey))
            throw new ArgumentOutOfRangeException("LabelColumnName", labelColumnName,
                $"Label column '{labelColumnName}' must be Single for regression; it is {label.ItemType}.");
        if (_options.ExampleWeightColumnName is string weightName)
        {
            var weight = FindColumn(inputSchema, weightName, "Example weight", "ExampleWeightColumnName");
            if (weight.Kind != SchemaShape.Column.VectorKind.Scalar || weight.ItemType != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException("ExampleWeightColumnName", weightName, $"Example weight column '{weightName}' must be a Single scalar.");
        }
        // SchemaShape.Column cannot be constructed outside ML.NET: a standard multiclass trainer's
        // GetOutputSchema yields the same Score/PredictedLabel shapes and trains nothing.
        return Output switch
        {
            NetworkOutput.Sigmoid => Context.BinaryClassification.Trainers
                .SdcaLogisticRegression(labelColumnName, featureColumnName, _options.ExampleWeightColumnName).GetOutputSchema(inputSchema),
            NetworkOutput.Linear => Context.Regression.Trainers
                .Sdca(labelColumnName, featureColumnName, _options.ExampleWeightColumnName).GetOutputSchema(inputSchema),
            _ => Context.MulticlassClassification.Trainers
                .SdcaMaximumEntropy(labelColumnName, featureColumnName, _options.ExampleWeightColumnName).GetOutputSchema(inputSchema),
        };
    }

    /// <summary>A training loop over <paramref name="shape"/> that reports to the options' progress and to MLContext.Log.</summary>
    private protected SubspaceTrainingLoop NewLoop(SubspaceShape shape, TrainingSettings settings, TrainingRun run,
        LearningRateSchedule? schedule = null, Tensor? batchNormSample = null, ImageAugmentation? augmentation = null,
        Action<long>? afterStep = null, Action<int>? afterEpoch = null) =>
        new(shape, settings)
        {
            Progress = _options.Progress,
            Log = run.Info,
            Schedule = schedule,
            BatchNormSample = batchNormSample,
            Augmentation = augmentation,
            AfterStep = afterStep,
            AfterEpoch = afterEpoch,
        };

    /// <summary>
    /// The fitted model of a trained <paramref name="network"/>, predicting at <paramref name="shape"/>'s center; it owns
    /// the network and <paramref name="batchNormSample"/> (the rows its BatchNorm statistics are recomputed over).
    /// </summary>
    private protected SubspaceTransformer Fitted(TrainingRun run, SubspaceNetwork network, SubspaceShape shape, IReadOnlyList<EpochSummary> history,
        Tensor? batchNormSample = null) =>
        new(new SharedNetwork(network, batchNormSample, _options.BatchSize), shape, run.FeatureColumnName, run.Labels,
            new[] { shape.Center }, "center", history);

    private static SchemaShape.Column FindColumn(SchemaShape schema, string name, string role, string option)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException(option, name,
            $"{role} column '{name}' not found. Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
    }
}
