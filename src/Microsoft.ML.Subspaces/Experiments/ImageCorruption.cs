namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// Deterministic corruptions of planar images for the robustness experiment (after ImageNet-C, Hendrycks and Dietterich
/// 2019, for small grayscale images): each at severities 1 to 5.
/// </summary>
public enum ImageCorruption
{
    /// <summary>Additive Gaussian noise, standard deviation 0.08, 0.12, 0.18, 0.26, 0.38 of the pixel range, clipped.</summary>
    GaussianNoise,
    /// <summary>Gaussian blur of standard deviation 0.5, 0.75, 1, 1.5, 2 pixels.</summary>
    Blur,
    /// <summary>Contrast reduced toward each image's mean, to 0.4, 0.3, 0.2, 0.1, 0.05 of itself.</summary>
    Contrast,
    /// <summary>A snow-like overlay: 5, 10, 20, 35, 50 bright diagonal flakes of 2 to 4 pixels, over a slightly brightened image.</summary>
    Snow,
    /// <summary>Pixelation: box-averaged to 20, 16, 12, 9, 7 pixels a side (for 28), then enlarged back by nearest neighbour.</summary>
    Pixelate,
}
