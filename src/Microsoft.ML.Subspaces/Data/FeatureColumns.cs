using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>Checks the columns a trainer or transformer reads, with errors that name the column and what is wrong.</summary>
internal static class FeatureColumns
{
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"The {role} column name is empty.", role + "ColumnName");
        var column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(role + "ColumnName", name,
                $"{Capitalize(role)} column '{name}' not found. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
        return column.Value;
    }

    /// <summary>The features column must be a known-size vector of Single; returns its length.</summary>
    public static int CheckFeatures(DataViewSchema schema, string name, out DataViewSchema.Column column)
    {
        column = Find(schema, name, "feature");
        if (column.Type is VectorDataViewType { ItemType: var itemType, IsKnownSize: false } && itemType == NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("FeatureColumnName", name,
                $"Features column '{name}' must be a known-size vector of Single; it is a vector of unknown size: its rows may differ in length (for example images of different sizes). " +
                "Every row needs the same length: add ResizeImages before ExtractPixels, or make the vectors a fixed size.");
        if (column.Type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single || !vector.IsKnownSize)
            throw new ArgumentOutOfRangeException("FeatureColumnName", name,
                $"Features column '{name}' must be a known-size vector of Single; it is {column.Type}. " +
                "Use Concatenate, ConvertType or ExtractPixels to make one.");
        return vector.Size;
    }

    /// <summary>Most classes a network predicts (its last layer has a row per class).</summary>
    public const int MaxClasses = 1 << 20;

    /// <summary>The label column must be key-typed with a known count; returns the class count.</summary>
    public static int CheckLabel(DataViewSchema schema, string name, out DataViewSchema.Column column)
    {
        column = Find(schema, name, "label");
        if (column.Type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException("LabelColumnName", name,
                $"Label column '{name}' must be key-typed; it is {column.Type}. Add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.");
        if (key.Count < 1 || key.Count > MaxClasses)
            throw new ArgumentOutOfRangeException("LabelColumnName", name,
                $"Label column '{name}' has a key type of {key.Count:N0} classes; the networks predict 1 to {MaxClasses:N0} (a class count from a key type with an unknown or huge count?).");
        return (int)key.Count;
    }

    /// <summary>The label of binary classification must be a Boolean scalar, as ML.NET's binary trainers read it.</summary>
    public static void CheckBinaryLabel(DataViewSchema schema, string name, out DataViewSchema.Column column)
    {
        column = Find(schema, name, "label");
        if (column.Type != BooleanDataViewType.Instance)
            throw new ArgumentOutOfRangeException("LabelColumnName", name,
                $"Label column '{name}' must be Boolean for binary classification; it is {column.Type}. " +
                $"Make it Boolean first, for example with mlContext.Transforms.Expression(\"{name}\", \"x => x == 1\", \"{name}\") or a custom mapping.");
    }

    /// <summary>The label of regression must be a Single scalar, as ML.NET's regression trainers read it.</summary>
    public static void CheckRegressionLabel(DataViewSchema schema, string name, out DataViewSchema.Column column)
    {
        column = Find(schema, name, "label");
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("LabelColumnName", name,
                $"Label column '{name}' must be Single for regression; it is {column.Type}. " +
                $"Convert it first with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single).");
    }

    /// <summary>The example weight column, when given, must be a Single scalar.</summary>
    public static void CheckWeight(DataViewSchema schema, string? name, out DataViewSchema.Column? column)
    {
        column = null;
        if (name is null) return;
        var c = Find(schema, name, "exampleWeight");
        if (c.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("ExampleWeightColumnName", name, $"Example weight column '{name}' must be Single; it is {c.Type}.");
        column = c;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
