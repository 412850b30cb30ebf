using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>A fully connected layer whose weight <c>[k, out, in]</c> and bias <c>[k, out]</c> are k points.</summary>
public sealed class SubspaceLinear : nn.Module<Tensor, Tensor>, ISubspaceLayer
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private Tensor? _coefficients;

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
            weight = new Parameter(randn(new long[] { pointCount, outFeatures, inFeatures }, generator: generator).mul_(std));
            bias = new Parameter(zeros(pointCount, outFeatures));
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }
    /// <summary>Output width.</summary>
    public long OutFeatures { get; }
    /// <inheritdoc/>
    public int PointCount { get; }
    /// <summary>Weight points, shape <c>[k, out, in]</c>.</summary>
    public Parameter Weight => weight;
    /// <summary>Bias points, shape <c>[k, out]</c>.</summary>
    public Parameter Bias => bias;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> PointParameters => new[] { weight, bias };
    /// <inheritdoc/>
    public Parameter? RegularizedWeight => weight;

    /// <inheritdoc/>
    public void SetCoefficients(Tensor coefficients) => _coefficients = coefficients;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var w = PointMixing.Mix(weight, _coefficients);
        using var b = PointMixing.Mix(bias, _coefficients);
        return nn.functional.linear(input, w, b);
    }
}
