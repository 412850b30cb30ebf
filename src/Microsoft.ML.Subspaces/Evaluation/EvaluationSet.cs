using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>
/// A labelled data set read once into arrays, so that many models (points of a path, ensemble members, grid
/// points) can be scored on it without going through the data view again.
/// </summary>
internal sealed class EvaluationSet
{
    private EvaluationSet(float[] features, int[] labels, int classes)
    {
        Features = features;
        Labels = labels;
        ClassCount = classes;
    }

    public float[] Features { get; }
    public int[] Labels { get; }
    public int ClassCount { get; }

    /// <summary>Reads the features <paramref name="model"/> uses and the key-typed label; checks the class counts agree.</summary>
    public static EvaluationSet Read(IDataView data, ScorerTransformer model, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var read = DataViewTensorReader.Read(data, model.FeatureColumnName, labelColumnName, null, "evaluation");
        using var set = read.Data;
        if (set.ClassCount != model.ClassCount)
            throw new ArgumentException($"Label column '{labelColumnName}' has {set.ClassCount} classes; the model predicts {model.ClassCount}.", nameof(labelColumnName));
        return new EvaluationSet(set.Features.data<float>().ToArray(), set.Labels.data<long>().ToArray().Select(l => (int)l).ToArray(), set.ClassCount);
    }

    /// <summary>Accuracy, log-loss, ECE and Brier score of <paramref name="model"/> on this set.</summary>
    public ProbabilityMetrics Score(ScorerTransformer model, int bins) =>
        ProbabilityMetrics.Compute(model.PredictProbabilities(Features), Labels, ClassCount, bins);
}
