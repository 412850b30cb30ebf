using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>Evaluates N evenly spaced points of a path on a data set (features read once, scored in batches).</summary>
internal static class PathEvaluator
{
    public static PathEvaluation Evaluate(IPathTransformer path, IDataView data, int points, string labelColumnName, int bins)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "A path evaluation needs at least 2 points.");
        using var start = path.AtPoint(0);
        var read = DataViewTensorReader.Read(data, start.FeatureColumnName, labelColumnName, null, "evaluation");
        float[] features;
        int[] labels;
        using (read.Data)
        {
            features = read.Data.Features.data<float>().ToArray();
            labels = read.Data.Labels.data<long>().ToArray().Select(l => (int)l).ToArray();
        }
        if (read.Data.ClassCount != start.ClassCount)
            throw new ArgumentException($"Label column '{labelColumnName}' has {read.Data.ClassCount} classes; the model predicts {start.ClassCount}.", nameof(labelColumnName));
        var result = new List<PathPoint>(points);
        for (int i = 0; i < points; i++)
        {
            double t = (double)i / (points - 1);
            using var model = i == 0 ? null : path.AtPoint(t);
            var p = (model ?? start).PredictProbabilities(features);
            var m = ProbabilityMetrics.Compute(p, labels, start.ClassCount, bins);
            result.Add(new PathPoint(t, m.Accuracy, m.LogLoss, m.ExpectedCalibrationError));
        }
        return new PathEvaluation(result);
    }
}
