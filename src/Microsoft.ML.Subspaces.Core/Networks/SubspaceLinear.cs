using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>A fully connected layer whose weight <c>[k, out, in]</c> and bias <c>[k, out]</c> are k points.</summary>
internal sealed class SubspaceLinear : nn.Module<Tensor, Tensor>, ISubspaceLayer
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly SubspaceParameter[] _subspaceParameters;

    /// <summary>Creates the layer with each weight point drawn independently from Kaiming-normal (fan-in, gain sqrt 2); biases zero.</summary>
    public SubspaceLinear(long inFeatures, long outFeatures, int pointCount, Generator? generator = null) : base(nameof(SubspaceLinear))
    {
        if (pointCount < 1) throw new ArgumentOutOfRangeException(nameof(pointCount));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        PointCount = pointCount;
        double std = Math.Sqrt(2.0 / inFeatures);
        using (no_grad())
        {
            // Points are updated by SubspaceSgd from the gradients SubspaceParameter gathers, not by autograd.
            weight = new Parameter(randn(new long[] { pointCount, outFeatures, inFeatures }, generator: generator).Times_(std), requires_grad: false);
            bias = new Parameter(zeros(pointCount, outFeatures), requires_grad: false);
        }
        RegisterComponents();
        _subspaceParameters = new[] { new SubspaceParameter(this, nameof(weight), regularized: true), new SubspaceParameter(this, nameof(bias), regularized: false) };
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }
    /// <summary>Output width.</summary>
    public long OutFeatures { get; }
    /// <inheritdoc/>
    public int PointCount { get; }
    /// <summary>Weight points, <c>[k, out, in]</c>.</summary>
    public SubspaceParameter Weight => _subspaceParameters[0];
    /// <summary>Bias points, <c>[k, out]</c>.</summary>
    public SubspaceParameter Bias => _subspaceParameters[1];
    /// <inheritdoc/>
    public IReadOnlyList<SubspaceParameter> Parameters => _subspaceParameters;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => nn.functional.linear(input, Weight.Current, Bias.Current);
}
