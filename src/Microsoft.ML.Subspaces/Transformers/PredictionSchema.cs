using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Builds the output schema of a multiclass scorer: the input columns, then <c>PredictedLabel</c> (key type
/// carrying the label's key values) and <c>Score</c> (class probabilities), with the annotations
/// <c>MulticlassClassification.Evaluate</c> requires, laid out as ML.NET's own multiclass trainers do.
/// </summary>
internal static class PredictionSchema
{
    public const string PredictedLabelColumn = "PredictedLabel";
    public const string ScoreColumn = "Score";

    public static DataViewSchema Build(DataViewSchema input, LabelKeyValues labels)
    {
        int classes = labels.Count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var predicted = new DataViewSchema.Annotations.Builder();
        AddScoreKinds(predicted, AnnotationKinds.PredictedLabel);
        labels.AddTo(predicted, AnnotationKinds.KeyValues);
        builder.AddColumn(PredictedLabelColumn, new KeyDataViewType(typeof(uint), classes), predicted.ToAnnotations());

        var score = new DataViewSchema.Annotations.Builder();
        AddScoreKinds(score, AnnotationKinds.Score);
        labels.AddTo(score, AnnotationKinds.TrainingLabelValues);
        if (labels.ItemType == TextDataViewType.Instance) labels.AddAsText(score, AnnotationKinds.SlotNames);
        builder.AddColumn(ScoreColumn, new VectorDataViewType(NumberDataViewType.Single, classes), score.ToAnnotations());
        return builder.ToSchema();
    }

    private static void AddScoreKinds(DataViewSchema.Annotations.Builder builder, string valueKind)
    {
        builder.Add(AnnotationKinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> v) => v = AnnotationKinds.MulticlassClassification.AsMemory());
        builder.Add(AnnotationKinds.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
        builder.Add(AnnotationKinds.ScoreColumnSetId, new KeyDataViewType(typeof(uint), int.MaxValue), (ref uint v) => v = 1);
    }
}
