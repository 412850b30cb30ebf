using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>Random crop with padding and horizontal flip on batch tensors, reproducible with the seeded generator.</summary>
public class ImageAugmentationTests
{
    [Fact]
    public void RandomCropTakesEachImageAtAnOffsetOfItsPaddedCopy()
    {
        using var scope = NewDisposeScope();
        var batch = (arange(6 * 2 * 5 * 5, dtype: ScalarType.Float32) + 1).view(6, 2 * 5 * 5);
        var augmentation = new ImageAugmentation(new[] { 2, 5, 5 }, cropPadding: 1, horizontalFlip: false);
        using var g1 = new Generator(9);
        var cropped = augmentation.Apply(batch, g1);
        Assert.Equal(new long[] { 6, 2, 5, 5 }, cropped.shape);

        var padded = nn.functional.pad(batch.view(6, 2, 5, 5), new long[] { 1, 1, 1, 1 });
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < 6; i++)
        {
            var match = (from dy in Enumerable.Range(0, 3) from dx in Enumerable.Range(0, 3)
                         where padded[i].narrow(1, dy, 5).narrow(2, dx, 5).eq(cropped[i]).all().item<bool>()
                         select (dy, dx)).ToList();
            Assert.Single(match); // both channels cropped at the same offset
            offsets.Add(match[0]);
        }
        Assert.True(offsets.Count > 1, "every image got the same offset");

        using var g2 = new Generator(9);
        Assert.True(augmentation.Apply(batch, g2).eq(cropped).all().item<bool>()); // same seed, same crops
    }

    [Fact]
    public void HorizontalFlipMirrorsSomeImagesAndLeavesTheOthers()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4);
        var batch = rand(new long[] { 32, 1 * 3 * 4 }, generator: g);
        var augmentation = new ImageAugmentation(new[] { 1, 3, 4 }, cropPadding: 0, horizontalFlip: true);
        var result = augmentation.Apply(batch, g);
        var images = batch.view(32, 1, 3, 4);
        int flipped = 0;
        for (int i = 0; i < 32; i++)
        {
            bool same = result[i].eq(images[i]).all().item<bool>();
            bool mirrored = result[i].eq(images[i].flip(2)).all().item<bool>();
            Assert.True(same ^ mirrored);
            if (mirrored) flipped++;
        }
        Assert.InRange(flipped, 6, 26);
    }
}
