namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// The corruptions of <see cref="ImageCorruption"/> applied to one planar image <c>[C, H, W]</c> whose pixels lie in
/// <c>[0, range]</c>; every random draw comes from a generator seeded by the caller (the same image, corruption, severity
/// and seed give the same result).
/// </summary>
internal static class ImageCorruptions
{
    public const int Severities = 5;

    public static void Apply(Span<float> image, int channels, int height, int width, ImageCorruption corruption, int severity, float range, Random random)
    {
        if (severity < 1 || severity > Severities) throw new ArgumentOutOfRangeException(nameof(severity), severity, "Severities are 1 to 5.");
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var p = image.Slice(c * plane, plane);
            switch (corruption)
            {
                case ImageCorruption.GaussianNoise: Noise(p, new[] { 0.08, 0.12, 0.18, 0.26, 0.38 }[severity - 1] * range, range, random); break;
                case ImageCorruption.Blur: Blur(p, height, width, new[] { 0.5, 0.75, 1.0, 1.5, 2.0 }[severity - 1]); break;
                case ImageCorruption.Contrast: Contrast(p, new[] { 0.4, 0.3, 0.2, 0.1, 0.05 }[severity - 1]); break;
                case ImageCorruption.Snow: Snow(p, height, width, new[] { 5, 10, 20, 35, 50 }[severity - 1], range, random); break;
                case ImageCorruption.Pixelate: Pixelate(p, height, width, new[] { 20, 16, 12, 9, 7 }[severity - 1] / 28.0); break;
                default: throw new ArgumentOutOfRangeException(nameof(corruption), corruption, "Unknown corruption.");
            }
        }
    }

    private static void Noise(Span<float> p, double sd, float range, Random random)
    {
        for (int i = 0; i < p.Length; i++)
        {
            // Box-Muller.
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
            p[i] = Math.Clamp((float)(p[i] + sd * z), 0, range);
        }
    }

    private static void Blur(Span<float> p, int height, int width, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = Enumerable.Range(-radius, 2 * radius + 1).Select(d => Math.Exp(-d * d / (2 * sigma * sigma))).ToArray();
        double total = kernel.Sum();
        var source = p.ToArray();
        var rows = new float[source.Length];
        // Separable: along rows, then along columns; edges repeat the border pixel.
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double s = 0;
                for (int d = -radius; d <= radius; d++) s += kernel[d + radius] * source[y * width + Math.Clamp(x + d, 0, width - 1)];
                rows[y * width + x] = (float)(s / total);
            }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double s = 0;
                for (int d = -radius; d <= radius; d++) s += kernel[d + radius] * rows[Math.Clamp(y + d, 0, height - 1) * width + x];
                p[y * width + x] = (float)(s / total);
            }
    }

    private static void Contrast(Span<float> p, double factor)
    {
        double mean = 0;
        foreach (var v in p) mean += v;
        mean /= p.Length;
        for (int i = 0; i < p.Length; i++) p[i] = (float)((p[i] - mean) * factor + mean);
    }

    private static void Snow(Span<float> p, int height, int width, int flakes, float range, Random random)
    {
        for (int i = 0; i < p.Length; i++) p[i] = p[i] * 0.85f + 0.1f * range; // the grey of a snowy sky
        for (int f = 0; f < flakes; f++)
        {
            int x = random.Next(width), y = random.Next(height), length = 2 + random.Next(3);
            int dx = random.Next(2) == 0 ? 1 : -1;
            for (int s = 0; s < length; s++, y++, x += dx)
                if (x >= 0 && x < width && y < height) p[y * width + x] = range;
        }
    }

    private static void Pixelate(Span<float> p, int height, int width, double fraction)
    {
        int h = Math.Max(1, (int)Math.Round(height * fraction)), w = Math.Max(1, (int)Math.Round(width * fraction));
        var small = new double[h * w];
        var counts = new int[h * w];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int cell = y * h / height * w + x * w / width;
                small[cell] += p[y * width + x];
                counts[cell]++;
            }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int cell = y * h / height * w + x * w / width;
                p[y * width + x] = (float)(small[cell] / counts[cell]);
            }
    }
}
