using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// The CIFAR ResNet-20 of He et al. (2016) as used by the subspace paper: a 3x3 convolution with 16 channels,
/// three stages of 3 basic blocks with 16, 32 and 64 channels (times the width multiplier; stride 2 at the start
/// of stages 2 and 3), global average pooling and a linear classifier. A basic block is conv3x3-BN-ReLU-conv3x3-BN
/// plus the shortcut, then ReLU; where the shape changes the shortcut is a 1x1 convolution with BatchNorm
/// (option B, as in the reference code), elsewhere the identity. Every convolution, every BatchNorm and the
/// classifier is a subspace layer (43 in all).
/// </summary>
internal sealed class SubspaceResNet20 : SubspaceNetwork
{
    private readonly InputStandardization? normalization;
    private readonly SubspaceConv2d conv1;
    private readonly SubspaceBatchNorm2d bn1;
    private readonly ModuleList<BasicBlock> blocks;
    private readonly SubspaceLinear classifier;
    private readonly ISubspaceLayer[] _subspaceLayers;

    /// <summary>Builds the network of <paramref name="spec"/> (kind "resnet20"), initializing with <paramref name="generator"/>.</summary>
    public SubspaceResNet20(NetworkSpec spec, Generator? generator = null) : base(nameof(SubspaceResNet20), spec)
    {
        ImageInput.Validate(spec, minimumSide: 1);
        int k = spec.PointCount;
        normalization = InputStandardization.ForChannels(spec);
        int width = spec.Scaled(16);
        conv1 = new SubspaceConv2d(spec.InputShape[0], width, 3, k, padding: 1, generator: generator);
        bn1 = new SubspaceBatchNorm2d(width, k);
        blocks = new ModuleList<BasicBlock>();
        int inChannels = width;
        foreach (var (channels, stride) in new[] { (spec.Scaled(16), 1), (spec.Scaled(32), 2), (spec.Scaled(64), 2) })
        {
            for (int b = 0; b < 3; b++)
            {
                blocks.Add(new BasicBlock(inChannels, channels, b == 0 ? stride : 1, k, generator));
                inChannels = channels;
            }
        }
        classifier = new SubspaceLinear(inChannels, spec.ClassCount, k, generator);
        _subspaceLayers = new ISubspaceLayer[] { conv1, bn1 }.Concat(blocks.SelectMany(b => b.Layers)).Append(classifier).ToArray();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ISubspaceLayer> SubspaceLayers => _subspaceLayers;

    /// <summary>The input standardization, or null (read by model export).</summary>
    internal InputStandardization? Standardization => normalization;

    /// <summary>The first convolution and its BatchNorm (then ReLU).</summary>
    internal (SubspaceConv2d Conv, SubspaceBatchNorm2d Norm) Stem => (conv1, bn1);

    /// <summary>The nine basic blocks in order.</summary>
    internal IReadOnlyList<BasicBlock> Blocks => blocks.ToArray();

    /// <summary>The linear classifier on the globally averaged features.</summary>
    internal SubspaceLinear Classifier => classifier;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = ImageInput.ToImages(input, Spec, normalization);
        var y = bn1.forward(conv1.forward(x)).relu_();
        x.Dispose();
        x = y;
        foreach (var block in blocks)
        {
            y = block.forward(x);
            x.Dispose(); // free activations early when predicting (autograd keeps what backward needs)
            x = y;
        }
        var pooled = x.mean(new long[] { 2, 3 });
        return classifier.forward(Dropout(pooled)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override SubspaceNetwork CreateEmpty(int pointCount) => new SubspaceResNet20(Spec.WithPointCount(pointCount));

    /// <summary>conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv + BN when the shape changes), then ReLU.</summary>
    internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly SubspaceConv2d conv1;
        private readonly SubspaceBatchNorm2d bn1;
        private readonly SubspaceConv2d conv2;
        private readonly SubspaceBatchNorm2d bn2;
        private readonly SubspaceConv2d? shortcut_conv;
        private readonly SubspaceBatchNorm2d? shortcut_bn;

        public BasicBlock(int inChannels, int channels, int stride, int pointCount, Generator? generator) : base(nameof(BasicBlock))
        {
            conv1 = new SubspaceConv2d(inChannels, channels, 3, pointCount, stride: stride, padding: 1, generator: generator);
            bn1 = new SubspaceBatchNorm2d(channels, pointCount);
            conv2 = new SubspaceConv2d(channels, channels, 3, pointCount, padding: 1, generator: generator);
            bn2 = new SubspaceBatchNorm2d(channels, pointCount);
            if (stride != 1 || inChannels != channels)
            {
                shortcut_conv = new SubspaceConv2d(inChannels, channels, 1, pointCount, stride: stride, generator: generator);
                shortcut_bn = new SubspaceBatchNorm2d(channels, pointCount);
            }
            RegisterComponents();
        }

        /// <summary>The first convolution and BatchNorm (then ReLU).</summary>
        public (SubspaceConv2d Conv, SubspaceBatchNorm2d Norm) First => (conv1, bn1);
        /// <summary>The second convolution and BatchNorm (then the shortcut is added).</summary>
        public (SubspaceConv2d Conv, SubspaceBatchNorm2d Norm) Second => (conv2, bn2);
        /// <summary>The projection shortcut, or null for the identity.</summary>
        public (SubspaceConv2d Conv, SubspaceBatchNorm2d Norm)? Shortcut => shortcut_conv is null ? null : (shortcut_conv, shortcut_bn!);

        /// <summary>The block's subspace layers in forward order.</summary>
        public IEnumerable<ISubspaceLayer> Layers => shortcut_conv is null
            ? new ISubspaceLayer[] { conv1, bn1, conv2, bn2 }
            : new ISubspaceLayer[] { conv1, bn1, conv2, bn2, shortcut_conv, shortcut_bn! };

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var h = bn1.forward(conv1.forward(input)).relu_();
            var o = bn2.forward(conv2.forward(h));
            if (shortcut_conv is null) o.Plus_(input);
            else o.Plus_(shortcut_bn!.forward(shortcut_conv.forward(input)));
            return o.relu_().MoveToOuterDisposeScope();
        }
    }
}
