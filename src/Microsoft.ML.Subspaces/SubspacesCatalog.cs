using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Persistence;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// Entry point of the library, reached through <c>mlContext.Subspaces()</c>: trainers of network subspaces
/// and the model operations that save and load pipelines containing them.
/// </summary>
public sealed partial class SubspacesCatalog
{
    internal SubspacesCatalog(MLContext context)
    {
        Context = context;
        Trainers = new SubspaceTrainersCatalog(context);
        BinaryClassification = new SubspaceTaskCatalog(context, Networks.NetworkOutput.Sigmoid);
        Regression = new SubspaceTaskCatalog(context, Networks.NetworkOutput.Linear);
        Model = new SubspaceModelOperations(context);
        Experiments = new SubspaceExperiments(context);
        Connections = new ConnectionsCatalog(context);
        Data = new SubspaceDataOperations();
    }

    internal MLContext Context { get; }

    /// <summary>Multiclass trainers: Line, Curve, Simplex and Standard, curves between models, FGE, SSE and SWA.</summary>
    public SubspaceTrainersCatalog Trainers { get; }

    /// <summary>
    /// Binary classification: Line, Curve, Simplex and Standard on a Boolean label, adding <c>Score</c> (the logit),
    /// <c>Probability</c> and a Boolean <c>PredictedLabel</c> for <c>mlContext.BinaryClassification.Evaluate</c>. An
    /// ensemble averages probabilities.
    /// </summary>
    public SubspaceTaskCatalog BinaryClassification { get; }

    /// <summary>
    /// Regression: Line, Curve, Simplex and Standard on a Single label (standardized inside the model; squared error, or
    /// Huber with <see cref="TrainerOptionsBase.HuberDelta"/>), adding <c>Score</c> for <c>mlContext.Regression.Evaluate</c>.
    /// An ensemble averages predictions.
    /// </summary>
    public SubspaceTaskCatalog Regression { get; }

    /// <summary>Save and load fitted pipelines that contain this library's transformers.</summary>
    public SubspaceModelOperations Model { get; }

    /// <summary>The paper's experiments as calls returning tables: symmetric ensembles, simplex grids, label noise.</summary>
    public SubspaceExperiments Experiments { get; }

    /// <summary>Training-free connections between two fitted MLPs: Linear, Arc, optimal transport, weight adjustment.</summary>
    public ConnectionsCatalog Connections { get; }

    /// <summary>Training data on disk for streamed fits: <c>SaveRows</c> and <c>LoadRows</c>, an uncompressed file of rows.</summary>
    public SubspaceDataOperations Data { get; }

    /// <summary>
    /// Evaluates scored data (the output of any multiclass model's <c>Transform</c>): ML.NET's multiclass
    /// metrics plus expected calibration error over <paramref name="bins"/> equal-width confidence bins and
    /// the Brier score.
    /// </summary>
    /// <param name="data">Scored data with a key-typed label and a Score vector of class probabilities.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="scoreColumnName">The probabilities column.</param>
    /// <param name="predictedLabelColumnName">The predicted label column ML.NET's evaluator reads.</param>
    /// <param name="bins">Number of ECE bins (default 20, as in the subspace paper's code).</param>
    public SubspaceMetrics Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "Need at least one bin.");
        var mlnet = Context.MulticlassClassification.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName);
        var (p, labels, classes) = ScoredDataReader.Read(data, labelColumnName, scoreColumnName);
        return new SubspaceMetrics(mlnet, ProbabilityMetrics.Compute(p, labels, classes, bins), bins);
    }

    /// <summary>
    /// Evaluates <paramref name="points"/> evenly spaced points t = 0, ..., 1 of a path (a line or curve subspace,
    /// a fitted curve, a connection, a segment between two models): accuracy, log-loss and ECE at each, plus the
    /// worst, the mean and the ends.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="data">Data with the features column the path's models read and a key-typed label.</param>
    /// <param name="points">Number of points (default 61, as in Garipov et al.).</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="bins">Number of ECE bins.</param>
    public PathEvaluation EvaluatePath(IPathTransformer path, IDataView data, int points = 61, string labelColumnName = "Label", int bins = 20) =>
        PathEvaluator.Evaluate(path, data, points, labelColumnName, bins);
}
