using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Training-time augmentation of image batches, done on tensors per batch with the training loop's seeded
/// generator: a random crop of the image padded with <see cref="CropPadding"/> zero pixels on every side (an
/// independent offset per image; 0 = off), and an optional horizontal flip of half the images. Free of ML.NET.
/// </summary>
public sealed record ImageAugmentation
{
    /// <summary>Creates the augmentation for planar images of <paramref name="shape"/> <c>[C, H, W]</c>.</summary>
    public ImageAugmentation(int[] shape, int cropPadding, bool horizontalFlip)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 3 || shape.Any(d => d < 1))
            throw new ArgumentException($"The image shape must be [C, H, W] of positive sizes; got [{string.Join(", ", shape)}].", nameof(shape));
        if (cropPadding < 0) throw new ArgumentOutOfRangeException(nameof(cropPadding), cropPadding, "The crop padding cannot be negative.");
        Shape = (int[])shape.Clone();
        CropPadding = cropPadding;
        HorizontalFlip = horizontalFlip;
    }

    /// <summary>The image shape <c>[C, H, W]</c>.</summary>
    public int[] Shape { get; }
    /// <summary>Zero pixels added on every side before a random crop back to <c>H x W</c>; 0 disables cropping.</summary>
    public int CropPadding { get; }
    /// <summary>Whether each image is flipped left-right with probability 1/2.</summary>
    public bool HorizontalFlip { get; }

    /// <summary>True when the augmentation changes anything.</summary>
    public bool IsActive => CropPadding > 0 || HorizontalFlip;

    /// <summary>An augmented copy of a batch <c>[B, C*H*W]</c> (or <c>[B, C, H, W]</c>), returned as <c>[B, C, H, W]</c>.</summary>
    public Tensor Apply(Tensor batch, Generator generator)
    {
        int c = Shape[0], h = Shape[1], w = Shape[2];
        long b = batch.shape[0];
        var device = batch.device;
        var x = batch.view(b, c, h, w);
        if (CropPadding > 0)
        {
            int p = CropPadding;
            var padded = nn.functional.pad(x, new long[] { p, p, p, p });
            // Per-image offsets in [0, 2p]; rows and columns gathered from the padded image.
            var offsets = randint(0, 2 * p + 1, new long[] { 2, b }, dtype: ScalarType.Int64, generator: generator).to(device);
            var rows = offsets[0].unsqueeze(1).Plus(HeldScalars.Range(h, device).unsqueeze(0)); // [B, H]
            var cols = offsets[1].unsqueeze(1).Plus(HeldScalars.Range(w, device).unsqueeze(0)); // [B, W]
            var byRows = padded.gather(2, rows.view(b, 1, h, 1).expand(b, c, h, w + 2 * p));
            x = byRows.gather(3, cols.view(b, 1, 1, w).expand(b, c, h, w));
        }
        if (HorizontalFlip)
        {
            var flip = rand(new long[] { b }, generator: generator).LessThan(0.5).to(device).view(b, 1, 1, 1);
            x = where(flip, x.flip(3), x);
        }
        return x;
    }
}
