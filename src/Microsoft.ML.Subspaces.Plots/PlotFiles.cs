using OxyPlot;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace Microsoft.ML.Subspaces.Plots;

/// <summary>The two files a plot is written to.</summary>
/// <param name="Png">The PNG file.</param>
/// <param name="Svg">The SVG file.</param>
public sealed record PlotFiles(string Png, string Svg)
{
    /// <summary>Default image size in pixels.</summary>
    public const int Width = 900, Height = 560;

    /// <summary>
    /// Sans-serif families tried in order for the PNG. SkiaSharp's Linux build without fontconfig matches a family name
    /// exactly and otherwise falls back to the first font file it finds (on Debian a TeX math font, with no bold face).
    /// </summary>
    private static readonly string[] SansFamilies = { "Arial", "Helvetica", "DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans" };

    private static readonly Lazy<string?> PngFont = new(() =>
    {
        var installed = SKFontManager.Default.FontFamilies;
        return SansFamilies.Select(wanted => installed.FirstOrDefault(f => string.Equals(f, wanted, StringComparison.OrdinalIgnoreCase)))
            .FirstOrDefault(f => f is not null);
    });

    /// <summary>
    /// The SVG names its fonts as CSS does (the viewer takes the first family it has): the PNG's font first, since the
    /// SVG's text is laid out with its metrics, then the common sans-serif faces.
    /// </summary>
    private static string SvgFontFamilies => PngFont.Value is { } font && !font.Equals("Arial", StringComparison.OrdinalIgnoreCase)
        ? font + ", Arial, Helvetica, sans-serif"
        : "Arial, Helvetica, sans-serif";

    /// <summary>
    /// Writes <paramref name="plot"/> as <c>{basePath}.png</c> (OxyPlot.SkiaSharp, SkiaSharp 2.88) and <c>{basePath}.svg</c>
    /// (OxyPlot's managed SVG writer), creating the folder. Each file is written beside its final name and then moved
    /// over it, so a reader never sees half a file.
    /// </summary>
    internal static PlotFiles Save(PlotModel plot, string basePath, int width = Width, int height = Height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(basePath);
        var directory = Path.GetDirectoryName(Path.GetFullPath(basePath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var files = new PlotFiles(basePath + ".png", basePath + ".svg");
        // Text shaping (HarfBuzz) is off: the labels are plain Latin text, and no HarfBuzz native library is needed.
        if (PngFont.Value is { } font) plot.DefaultFont = font;
        WriteAtomically(files.Png, stream => new PngExporter { Width = width, Height = height, UseTextShaping = false }.Export(plot, stream));
        // OxyPlot's own SVG measurer (PDF font metrics) under-measures line heights, and some viewers (librsvg,
        // ImageMagick) ignore dominant-baseline: measure with the PNG's font and place text baselines explicitly.
        plot.DefaultFont = SvgFontFamilies;
        using (var measurer = new PngFontMeasurer())
            WriteAtomically(files.Svg, stream => new OxyPlot.SvgExporter
            {
                Width = width, Height = height, IsDocument = true, TextMeasurer = measurer, UseVerticalTextAlignmentWorkaround = true,
            }.Export(plot, stream));
        return files;
    }

    /// <summary>Measures text as the PNG draws it (SkiaSharp, the PNG's font), whatever family list the SVG names; draws nothing.</summary>
    private sealed class PngFontMeasurer : RenderContextBase, IDisposable
    {
        private readonly SkiaRenderContext _skia = new() { RenderTarget = RenderTarget.VectorGraphic, UseTextShaping = false };

        public override OxySize MeasureText(string text, string? fontFamily = null, double fontSize = 10, double fontWeight = 500) =>
            _skia.MeasureText(text, PngFont.Value ?? fontFamily, fontSize, fontWeight);

        public override void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode,
            double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) => throw new NotSupportedException();

        public override void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode,
            double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) => throw new NotSupportedException();

        public override void DrawText(ScreenPoint p, string text, OxyColor fill, string? fontFamily = null, double fontSize = 10, double fontWeight = 500,
            double rotation = 0, HorizontalAlignment horizontalAlignment = HorizontalAlignment.Left,
            VerticalAlignment verticalAlignment = VerticalAlignment.Top, OxySize? maxSize = null) => throw new NotSupportedException();

        public override int ClipCount => 0;

        public override void PushClip(OxyRect clippingRectangle) => throw new NotSupportedException();

        public override void PopClip() => throw new NotSupportedException();

        public void Dispose() => _skia.Dispose();
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                write(stream);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
