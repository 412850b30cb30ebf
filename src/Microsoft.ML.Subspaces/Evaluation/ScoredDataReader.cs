using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;

namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>Reads the Score vectors and key labels of scored data into arrays for metric computation.</summary>
internal static class ScoredDataReader
{
    /// <summary>Row-major probabilities and 0-based labels; rows with a missing label or NaN scores are dropped (as ML.NET does).</summary>
    public static (float[] Probabilities, int[] Labels, int Classes) Read(IDataView scored, string labelColumnName, string scoreColumnName)
    {
        int classes = FeatureColumns.CheckLabel(scored.Schema, labelColumnName, out var label);
        var score = FeatureColumns.Find(scored.Schema, scoreColumnName, "score");
        if (score.Type is not VectorDataViewType { ItemType: var item, Size: var size } || item != NumberDataViewType.Single || size != classes)
            throw new ArgumentOutOfRangeException(nameof(scoreColumnName), scoreColumnName,
                $"Score column '{scoreColumnName}' must be a vector of {classes} Single values (one per class of '{labelColumnName}'); it is {score.Type}.");
        var probabilities = new List<float>();
        var labels = new List<int>();
        using var cursor = scored.GetRowCursor(new[] { label, score });
        var getLabel = DataViewTensorReader.KeyGetter(cursor, label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        VBuffer<float> buffer = default;
        var row = new float[classes];
        while (cursor.MoveNext())
        {
            ulong key = getLabel();
            if (key == 0) continue;
            getScore(ref buffer);
            buffer.CopyTo(row);
            if (row.Any(float.IsNaN)) continue;
            probabilities.AddRange(row);
            labels.Add((int)key - 1);
        }
        return (probabilities.ToArray(), labels.ToArray(), classes);
    }
}
