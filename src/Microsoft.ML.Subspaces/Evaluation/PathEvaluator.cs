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
        EvaluationSet? set = null;
        var result = new List<PathPoint>(points);
        for (int i = 0; i < points; i++)
        {
            double t = (double)i / (points - 1);
            using var model = path.AtPoint(t);
            set ??= EvaluationSet.Read(data, model, labelColumnName);
            var m = set.Score(model, bins);
            result.Add(new PathPoint(t, m.Accuracy, m.LogLoss, m.ExpectedCalibrationError));
        }
        return new PathEvaluation(result);
    }
}
