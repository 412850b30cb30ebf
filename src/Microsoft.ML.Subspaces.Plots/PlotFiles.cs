using ScottPlot;

namespace Microsoft.ML.Subspaces.Plots;

/// <summary>The two files a plot is written to.</summary>
/// <param name="Png">The PNG file.</param>
/// <param name="Svg">The SVG file.</param>
public sealed record PlotFiles(string Png, string Svg)
{
    /// <summary>Default image size in pixels.</summary>
    public const int Width = 900, Height = 560;

    /// <summary>Writes <paramref name="plot"/> as <c>{basePath}.png</c> and <c>{basePath}.svg</c>, creating the folder.</summary>
    internal static PlotFiles Save(Plot plot, string basePath, int width = Width, int height = Height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(basePath);
        var directory = Path.GetDirectoryName(Path.GetFullPath(basePath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var files = new PlotFiles(basePath + ".png", basePath + ".svg");
        plot.SavePng(files.Png, width, height);
        plot.SaveSvg(files.Svg, width, height);
        return files;
    }
}
