using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A small convolutional network for images <c>[C, H, W]</c> (H, W at least 8): three blocks of a 3x3 convolution
/// (32, 64 and 128 channels times the width multiplier), BatchNorm, ReLU and 2x2 max pooling, then a linear
/// classifier on the flattened <c>128 x H/8 x W/8</c> features (3x3 for 28x28 digits). Every convolution, every
/// BatchNorm and the classifier is a subspace layer.
/// </summary>
internal sealed class SubspaceConvNet : SubspaceNetwork
{
    private readonly InputStandardization? normalization;
    private readonly SubspaceConv2d conv1;
    private readonly SubspaceBatchNorm2d bn1;
    private readonly SubspaceConv2d conv2;
    private readonly SubspaceBatchNorm2d bn2;
    private readonly SubspaceConv2d conv3;
    private readonly SubspaceBatchNorm2d bn3;
    private readonly SubspaceLinear classifier;
    private readonly ISubspaceLayer[] _subspaceLayers;

    /// <summary>Builds the network of <paramref name="spec"/> (kind "convnet"), initializing with <paramref name="generator"/>.</summary>
    public SubspaceConvNet(NetworkSpec spec, Generator? generator = null) : base(nameof(SubspaceConvNet), spec)
    {
        ImageInput.Validate(spec, minimumSide: MinimumSide);
        int k = spec.PointCount;
        int c1 = spec.Scaled(32), c2 = spec.Scaled(64), c3 = spec.Scaled(128);
        normalization = InputStandardization.ForChannels(spec);
        conv1 = new SubspaceConv2d(spec.InputShape[0], c1, 3, k, padding: 1, generator: generator);
        bn1 = new SubspaceBatchNorm2d(c1, k);
        conv2 = new SubspaceConv2d(c1, c2, 3, k, padding: 1, generator: generator);
        bn2 = new SubspaceBatchNorm2d(c2, k);
        conv3 = new SubspaceConv2d(c2, c3, 3, k, padding: 1, generator: generator);
        bn3 = new SubspaceBatchNorm2d(c3, k);
        classifier = new SubspaceLinear((long)c3 * (spec.InputShape[1] / 8) * (spec.InputShape[2] / 8), spec.ClassCount, k, generator);
        _subspaceLayers = new ISubspaceLayer[] { conv1, bn1, conv2, bn2, conv3, bn3, classifier };
        RegisterComponents();
    }

    /// <summary>Smallest image height and width the network takes (three 2x2 poolings).</summary>
    public const int MinimumSide = 8;

    /// <inheritdoc/>
    public override IReadOnlyList<ISubspaceLayer> SubspaceLayers => _subspaceLayers;

    /// <summary>The input standardization, or null (read by model export).</summary>
    internal InputStandardization? Standardization => normalization;

    /// <summary>The three convolution, BatchNorm (ReLU, 2x2 max pooling) blocks in order (read by model export).</summary>
    internal IReadOnlyList<(SubspaceConv2d Conv, SubspaceBatchNorm2d Norm)> Blocks => new[] { (conv1, bn1), (conv2, bn2), (conv3, bn3) };

    /// <summary>The linear classifier on the flattened features.</summary>
    internal SubspaceLinear Classifier => classifier;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.forward(Dropout(Features(input, 3).flatten(1))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The feature maps after the first <paramref name="blocks"/> blocks (convolution, BatchNorm, ReLU, pooling); the
    /// standardized images for 0. Read by weight adjustment, which re-solves the layer after a block.
    /// </summary>
    internal Tensor Features(Tensor input, int blocks)
    {
        if (blocks < 0 || blocks > 3) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "The ConvNet has 3 blocks.");
        using var scope = NewDisposeScope();
        var x = ImageInput.ToImages(input, Spec, normalization);
        foreach (var (conv, norm) in Blocks.Take(blocks))
            x = nn.functional.max_pool2d(norm.forward(conv.forward(x)).relu_(), 2);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Recomputes the BatchNorm statistics of the first <paramref name="blocks"/> blocks, running only them (a later
    /// block's statistics are left as they are): what weight adjustment needs before reading those blocks' output.
    /// </summary>
    internal bool RecomputeBatchNormStatistics(Tensor sampleFeatures, int batchSize, int blocks) =>
        RecomputeBatchNormStatistics(sampleFeatures, batchSize, Blocks.Take(blocks).Select(b => b.Norm).ToArray(), x => Features(x, blocks));

    /// <inheritdoc/>
    protected override SubspaceNetwork CreateEmpty(int pointCount) => new SubspaceConvNet(Spec.WithPointCount(pointCount));
}
