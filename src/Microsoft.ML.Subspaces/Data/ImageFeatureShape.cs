using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// The image shape <c>[C, H, W]</c> of a features column for image networks: the vector dimensions
/// <c>ExtractPixels</c> writes, or an explicit shape when the column lost them; errors name the column and values.
/// </summary>
internal static class ImageFeatureShape
{
    /// <summary>Checks an explicit image shape option on its own (at trainer construction).</summary>
    public static void ValidateOption(int[]? shape, string option)
    {
        if (shape is null) return;
        if (shape.Length != 3 || shape.Any(d => d < 1))
            throw new ArgumentOutOfRangeException(option, $"[{string.Join(", ", shape)}]",
                $"{option} must be {{ C, H, W }}: three positive sizes; got [{string.Join(", ", shape)}].");
    }

    /// <summary>The image shape of features column <paramref name="column"/>, from its dimensions or <paramref name="explicitShape"/>.</summary>
    public static int[] Resolve(DataViewSchema.Column column, int[]? explicitShape, string option = "ImageShape")
    {
        var vector = (VectorDataViewType)column.Type;
        int size = vector.Size;
        int[]? dims = vector.Dimensions.Length == 3 ? vector.Dimensions.ToArray() : null;
        if (explicitShape is not null)
        {
            ValidateOption(explicitShape, option);
            long product = (long)explicitShape[0] * explicitShape[1] * explicitShape[2];
            if (product != size)
                throw new ArgumentOutOfRangeException(option, Format(explicitShape),
                    $"{option} {Format(explicitShape)} holds {product} values; features column '{column.Name}' has {size}.");
            if (dims is not null && !dims.SequenceEqual(explicitShape))
                throw new ArgumentOutOfRangeException(option, Format(explicitShape),
                    $"Features column '{column.Name}' has image dimensions {Format(dims)} [C, H, W]; {option} is {Format(explicitShape)}. Make them agree, or leave {option} unset.");
            return (int[])explicitShape.Clone();
        }
        if (dims is null)
            throw new ArgumentException(
                $"Features column '{column.Name}' is a vector of {size} values without image dimensions [C, H, W] " +
                $"(it has {(vector.Dimensions.Length <= 1 ? "none" : Format(vector.Dimensions.ToArray()))}; pixels read from text or concatenated lose them). " +
                $"Set {option}{Suggest(size)}, or produce the column with ExtractPixels.", option);
        if (dims[2] <= 4 && dims[0] > 4)
            throw new ArgumentException(
                $"Features column '{column.Name}' has dimensions {Format(dims)}, which look like interleaved [H, W, C] pixels " +
                $"(ExtractPixels with interleavePixelColors: true); image networks take planar [C, H, W]. Extract with interleavePixelColors: false, " +
                $"or set {option} = {{ {string.Join(", ", dims)} }} if the layout really is [C, H, W].", option);
        return dims;
    }

    /// <summary>Throws when a column's image dimensions differ from the shape a model was trained on (prediction).</summary>
    public static void CheckAgainstModel(DataViewSchema.Column column, int[] modelShape)
    {
        if (column.Type is not VectorDataViewType vector || vector.Dimensions.Length != 3) return;
        var dims = vector.Dimensions.ToArray();
        if (dims.SequenceEqual(modelShape)) return;
        string what = dims[0] != modelShape[0]
            ? $"{dims[0]} channel(s); the model was trained on {modelShape[0]}" + (modelShape[0] == 1 && dims[0] == 3 ? " (add ConvertToGrayscale and ExtractPixels(colorsToExtract: Red) as in training)" : "")
            : $"image size {dims[1]}x{dims[2]}; the model was trained on {modelShape[1]}x{modelShape[2]} (resize as in training)";
        throw new ArgumentOutOfRangeException("inputSchema", Format(dims),
            $"Features column '{column.Name}' has image dimensions {Format(dims)} [C, H, W]: {what}. The model takes {Format(modelShape)}.");
    }

    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Suggest(int size)
    {
        foreach (int c in new[] { 1, 3 })
        {
            if (size % c != 0) continue;
            int side = (int)Math.Round(Math.Sqrt(size / c));
            if (side * side * c == size) return $" (for example ImageShape = {{ {c}, {side}, {side} }} for {size} values)";
        }
        return " = { C, H, W }";
    }
}
