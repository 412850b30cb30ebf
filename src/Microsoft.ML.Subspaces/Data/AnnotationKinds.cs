namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// The annotation names ML.NET's evaluators read. ML.NET keeps its own constants internal; these strings
/// are the values it uses (checked against a fitted SdcaMaximumEntropy model's output schema).
/// </summary>
internal static class AnnotationKinds
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
    public const string ScoreColumnSetId = "ScoreColumnSetId";
    public const string TrainingLabelValues = "TrainingLabelValues";
    public const string MulticlassClassification = "MulticlassClassification";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}
