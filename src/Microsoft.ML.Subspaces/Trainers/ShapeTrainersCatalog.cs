using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// The trainers of one task's subspaces: <c>Line</c>, <c>Curve</c>, <c>Simplex</c> and <c>Standard</c>, reached through
/// <c>mlContext.Subspaces().Trainers</c> (multiclass: a key-typed label; adds <c>Score</c> and <c>PredictedLabel</c>),
/// <c>mlContext.Subspaces().BinaryClassification.Trainers</c> (a Boolean label; adds <c>Score</c>, the logit,
/// <c>Probability</c> and a Boolean <c>PredictedLabel</c>) and <c>mlContext.Subspaces().Regression.Trainers</c> (a Single
/// label; adds <c>Score</c>). Every one reads a known-size float vector of features.
/// </summary>
public class ShapeTrainersCatalog
{
    private protected readonly MLContext _context;
    private readonly NetworkOutput _output;

    private protected ShapeTrainersCatalog(MLContext context, NetworkOutput output)
    {
        _context = context;
        _output = output;
    }

    internal static ShapeTrainersCatalog For(MLContext context, NetworkOutput output) => new(context, output);

    /// <summary>A line of networks <c>(1 - a) w0 + a w1</c>, trained in one run (Wortsman et al., 2021).</summary>
    /// <param name="labelColumnName">Label column: key-typed (multiclass), Boolean (binary classification) or Single (regression).</param>
    /// <param name="featureColumnName">Known-size float vector features column.</param>
    /// <param name="exampleWeightColumnName">Optional Single weight column.</param>
    /// <param name="epochs">Passes over the data; default: automatic (see <see cref="TrainerOptionsBase.AutomaticEpochs(long, int, Microsoft.ML.Subspaces.Networks.NetworkOutput)"/>).</param>
    /// <param name="learningRate">Peak SGD learning rate; default: the options' default.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="hiddenLayers">Hidden layer widths; default { 512, 512 }.</param>
    /// <param name="layerWise">Draw one point per layer in each batch.</param>
    /// <param name="beta">Weight of the cos^2 regularizer between points.</param>
    public SubspaceTrainer Line(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int? epochs = null, double? learningRate = null, int batchSize = 128, int[]? hiddenLayers = null, bool layerWise = false, double beta = 1.0) =>
        Line(Fill(new LineTrainerOptions { LayerWise = layerWise, Beta = beta }, labelColumnName, featureColumnName, exampleWeightColumnName, epochs, learningRate, batchSize, hiddenLayers));

    /// <summary>A line of networks, with all options.</summary>
    public SubspaceTrainer Line(LineTrainerOptions options) => new(_context, LineSubspace.Instance, Check(options), _output);

    /// <summary>A quadratic Bezier curve of networks <c>(1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c>, trained in one run.</summary>
    /// <inheritdoc cref="Line(string, string, string, int?, double?, int, int[], bool, double)"/>
    public SubspaceTrainer Curve(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int? epochs = null, double? learningRate = null, int batchSize = 128, int[]? hiddenLayers = null, bool layerWise = false, double beta = 1.0) =>
        Curve(Fill(new CurveTrainerOptions { LayerWise = layerWise, Beta = beta }, labelColumnName, featureColumnName, exampleWeightColumnName, epochs, learningRate, batchSize, hiddenLayers));

    /// <summary>A quadratic Bezier curve of networks, with all options.</summary>
    public SubspaceTrainer Curve(CurveTrainerOptions options) => new(_context, BezierCurve.Instance, Check(options), _output);

    /// <summary>A simplex of networks with <paramref name="vertices"/> vertices <c>sum_i t_i w_i</c>, trained in one run.</summary>
    /// <param name="vertices">Number of vertices (at least 2).</param>
    /// <param name="labelColumnName">Label column: key-typed (multiclass), Boolean (binary classification) or Single (regression).</param>
    /// <param name="featureColumnName">Known-size float vector features column.</param>
    /// <param name="exampleWeightColumnName">Optional Single weight column.</param>
    /// <param name="epochs">Passes over the data; default: automatic (see <see cref="TrainerOptionsBase.AutomaticEpochs(long, int, Microsoft.ML.Subspaces.Networks.NetworkOutput)"/>).</param>
    /// <param name="learningRate">Peak SGD learning rate; default: the options' default.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="hiddenLayers">Hidden layer widths; default { 512, 512 }.</param>
    /// <param name="layerWise">Draw one point per layer in each batch.</param>
    /// <param name="beta">Weight of the cos^2 regularizer between points.</param>
    public SubspaceTrainer Simplex(int vertices = 3, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int? epochs = null, double? learningRate = null, int batchSize = 128, int[]? hiddenLayers = null, bool layerWise = false, double beta = 1.0) =>
        Simplex(Fill(new SimplexTrainerOptions { Vertices = vertices, LayerWise = layerWise, Beta = beta }, labelColumnName, featureColumnName, exampleWeightColumnName, epochs, learningRate, batchSize, hiddenLayers));

    /// <summary>A simplex of networks, with all options.</summary>
    public SubspaceTrainer Simplex(SimplexTrainerOptions options) => new(_context, new SimplexSubspace(Check(options).Vertices), options, _output);

    /// <summary>One network trained by the same loop: the baseline subspaces are compared with.</summary>
    /// <param name="labelColumnName">Label column: key-typed (multiclass), Boolean (binary classification) or Single (regression).</param>
    /// <param name="featureColumnName">Known-size float vector features column.</param>
    /// <param name="exampleWeightColumnName">Optional Single weight column.</param>
    /// <param name="epochs">Passes over the data; default: automatic (see <see cref="TrainerOptionsBase.AutomaticEpochs(long, int, Microsoft.ML.Subspaces.Networks.NetworkOutput)"/>).</param>
    /// <param name="learningRate">Peak SGD learning rate; default: the options' default.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="hiddenLayers">Hidden layer widths; default { 512, 512 }.</param>
    public SubspaceTrainer Standard(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int? epochs = null, double? learningRate = null, int batchSize = 128, int[]? hiddenLayers = null) =>
        Standard(Fill(new StandardTrainerOptions(), labelColumnName, featureColumnName, exampleWeightColumnName, epochs, learningRate, batchSize, hiddenLayers));

    /// <summary>One network, with all options.</summary>
    public SubspaceTrainer Standard(StandardTrainerOptions options) => new(_context, SinglePoint.Instance, Check(options), _output);

    private protected static T Check<T>(T options) where T : NeuralNetworkTrainerOptions =>
        options ?? throw new ArgumentNullException(nameof(options));

    private protected static T Fill<T>(T options, string label, string features, string? weight, int? epochs, double? learningRate, int batchSize, int[]? hidden)
        where T : NeuralNetworkTrainerOptions
    {
        options.LabelColumnName = label;
        options.FeatureColumnName = features;
        options.ExampleWeightColumnName = weight;
        options.Epochs = epochs;
        if (learningRate is double rate) options.LearningRate = rate;
        options.BatchSize = batchSize;
        if (hidden is not null) options.HiddenLayers = hidden;
        return options;
    }
}
