using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Builds the output schema of a scorer: the input columns, then for multiclass <c>PredictedLabel</c> (key type
/// carrying the label's key values) and <c>Score</c> (class probabilities), with the annotations
/// <c>MulticlassClassification.Evaluate</c> requires, laid out as ML.NET's own multiclass trainers do; for binary
/// classification and regression, the columns of ML.NET's scorers of those tasks.
/// </summary>
internal static class PredictionSchema
{
    public const string PredictedLabelColumn = "PredictedLabel";
    public const string ScoreColumn = "Score";

    public static DataViewSchema Build(DataViewSchema input, LabelKeyValues labels, NetworkOutput output = NetworkOutput.Softmax)
    {
        int classes = labels.Count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        if (output == NetworkOutput.Sigmoid) return Binary(builder);
        if (output == NetworkOutput.Linear) return Regression(builder);

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

    /// <summary>Binary classification, as ML.NET's binary scorer: <c>PredictedLabel</c> (Boolean), <c>Score</c> (the logit), <c>Probability</c>.</summary>
    private static DataViewSchema Binary(DataViewSchema.Builder builder)
    {
        const string kind = "BinaryClassification";
        builder.AddColumn(PredictionColumns.PredictedLabel, BooleanDataViewType.Instance, Kinds(kind, AnnotationKinds.PredictedLabel));
        builder.AddColumn(PredictionColumns.Score, NumberDataViewType.Single, Kinds(kind, AnnotationKinds.Score));
        builder.AddColumn(PredictionColumns.Probability, NumberDataViewType.Single, Kinds(kind, "Probability"));
        return builder.ToSchema();
    }

    /// <summary>Regression, as ML.NET's regression scorer: <c>Score</c>.</summary>
    private static DataViewSchema Regression(DataViewSchema.Builder builder)
    {
        builder.AddColumn(PredictionColumns.Score, NumberDataViewType.Single, Kinds("Regression", AnnotationKinds.Score));
        return builder.ToSchema();
    }

    private static DataViewSchema.Annotations Kinds(string columnKind, string valueKind)
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        AddScoreKinds(annotations, valueKind, columnKind);
        return annotations.ToAnnotations();
    }

    private static void AddScoreKinds(DataViewSchema.Annotations.Builder builder, string valueKind, string columnKind = AnnotationKinds.MulticlassClassification)
    {
        builder.Add(AnnotationKinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> v) => v = columnKind.AsMemory());
        builder.Add(AnnotationKinds.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
        builder.Add(AnnotationKinds.ScoreColumnSetId, new KeyDataViewType(typeof(uint), int.MaxValue), (ref uint v) => v = 1);
    }
}
