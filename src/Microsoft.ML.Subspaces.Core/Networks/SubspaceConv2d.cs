using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A 2-D convolution whose weight <c>[k, out, in, kh, kw]</c> (and optional bias <c>[k, out]</c>) are k points,
/// mixed like <see cref="SubspaceLinear"/>'s: the weight enters the cos^2 regularizer, the bias does not.
/// </summary>
internal sealed class SubspaceConv2d : nn.Module<Tensor, Tensor>, ISubspaceLayer
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly SubspaceParameter[] _subspaceParameters;
    private readonly long[] _stride;
    private readonly long[] _padding;

    /// <summary>
    /// Creates the layer with each weight point drawn independently from Kaiming-normal (fan-in
    /// <c>in * kh * kw</c>, gain sqrt 2); biases, when present, zero.
    /// </summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Square kernel size.</param>
    /// <param name="pointCount">Number of weight points k.</param>
    /// <param name="stride">Stride in both directions.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="hasBias">Whether the layer has a bias (convolutions followed by BatchNorm have none).</param>
    /// <param name="generator">Seeded generator for the initialization.</param>
    public SubspaceConv2d(long inChannels, long outChannels, int kernelSize, int pointCount, int stride = 1, int padding = 0,
        bool hasBias = false, Generator? generator = null) : base(nameof(SubspaceConv2d))
    {
        if (pointCount < 1) throw new ArgumentOutOfRangeException(nameof(pointCount), pointCount, "The point count must be at least 1.");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Input channels must be at least 1.");
        if (outChannels < 1) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "Output channels must be at least 1.");
        if (kernelSize < 1) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "The kernel size must be at least 1.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be at least 1.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding cannot be negative.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        PointCount = pointCount;
        _stride = new long[] { stride, stride };
        _padding = new long[] { padding, padding };
        double std = Math.Sqrt(2.0 / (inChannels * kernelSize * kernelSize));
        using (no_grad())
        {
            weight = new Parameter(randn(new long[] { pointCount, outChannels, inChannels, kernelSize, kernelSize }, generator: generator).Times_(std), requires_grad: false);
            if (hasBias) bias = new Parameter(zeros(pointCount, outChannels), requires_grad: false);
        }
        RegisterComponents();
        _subspaceParameters = bias is null
            ? new[] { new SubspaceParameter(this, nameof(weight), regularized: true) }
            : new[] { new SubspaceParameter(this, nameof(weight), regularized: true), new SubspaceParameter(this, nameof(bias), regularized: false) };
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Square kernel size.</summary>
    public int KernelSize { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }
    /// <inheritdoc/>
    public int PointCount { get; }
    /// <summary>Weight points, <c>[k, out, in, kh, kw]</c>.</summary>
    public SubspaceParameter Weight => _subspaceParameters[0];
    /// <summary>Bias points, <c>[k, out]</c>, or null when the layer has no bias.</summary>
    public SubspaceParameter? Bias => _subspaceParameters.Length > 1 ? _subspaceParameters[1] : null;
    /// <inheritdoc/>
    public IReadOnlyList<SubspaceParameter> Parameters => _subspaceParameters;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        nn.functional.conv2d(input, Weight.Current, Bias?.Current, strides: _stride, padding: _padding);
}
