using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>Shared input handling of the image networks: validation of the spec and <c>[N, D]</c> to <c>[N, C, H, W]</c>.</summary>
internal static class ImageInput
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the value when <paramref name="spec"/> cannot describe an image network.</summary>
    public static void Validate(NetworkSpec spec, int minimumSide)
    {
        var s = spec.InputShape;
        if (s is null || s.Length != 3 || s.Any(d => d < 1))
            throw new ArgumentException($"A {spec.KindName} network needs an input shape [C, H, W] of positive sizes; got [{string.Join(", ", s ?? Array.Empty<int>())}].", nameof(spec));
        if ((long)s[0] * s[1] * s[2] != spec.InputSize)
            throw new ArgumentException($"The input shape [{string.Join(", ", s)}] holds {(long)s[0] * s[1] * s[2]} values; the input size is {spec.InputSize}.", nameof(spec));
        if (s[1] < minimumSide || s[2] < minimumSide)
            throw new ArgumentException($"A {spec.KindName} network needs images of at least {minimumSide}x{minimumSide} pixels; the input shape is [{string.Join(", ", s)}].", nameof(spec));
        if (spec.ClassCount < 1) throw new ArgumentOutOfRangeException(nameof(spec), spec.ClassCount, "The class count must be positive.");
        if (!(spec.WidthMultiplier > 0) || double.IsInfinity(spec.WidthMultiplier))
            throw new ArgumentOutOfRangeException(nameof(spec), spec.WidthMultiplier, "The width multiplier must be positive and finite.");
        InputStandardization.Validate(spec.ChannelMean, spec.ChannelStd, s[0], "channel");
    }

    /// <summary>Views <c>[N, C*H*W]</c> (or takes <c>[N, C, H, W]</c>) as images and normalizes them.</summary>
    public static Tensor ToImages(Tensor input, NetworkSpec spec, InputStandardization? normalization)
    {
        var s = spec.InputShape;
        Tensor images;
        if (input.dim() == 2 && input.shape[1] == spec.InputSize) images = input.view(-1, s[0], s[1], s[2]);
        else if (input.dim() == 4 && input.shape[1] == s[0] && input.shape[2] == s[1] && input.shape[3] == s[2]) images = input.alias();
        else throw new ArgumentException(
            $"The {spec.KindName} network takes [N, {spec.InputSize}] or [N, {s[0]}, {s[1]}, {s[2]}] inputs; got [{string.Join(", ", input.shape)}].", nameof(input));
        if (normalization is null) return images;
        var normalized = normalization.forward(images);
        images.Dispose();
        return normalized;
    }
}
