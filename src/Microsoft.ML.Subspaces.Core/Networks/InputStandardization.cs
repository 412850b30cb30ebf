using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// <c>(x - mean) / std</c> inside a network, per feature of an MLP's <c>[N, D]</c> input or per channel of an image
/// network's <c>[N, C, H, W]</c>, so that prediction, saved models and every point of a subspace apply it too. The
/// statistics come from the <see cref="NetworkSpec"/> (fitted on the training rows, see <see cref="FeatureStandardization"/>)
/// and are module buffers.
/// </summary>
internal sealed class InputStandardization : nn.Module<Tensor, Tensor>
{
    private Tensor mean;
    private Tensor inverseStd;

    private InputStandardization(double[] mean, double[] std, long[] shape) : base(nameof(InputStandardization))
    {
        // Module state: detached, so that a network built inside a dispose scope (a path's point, a materialized point)
        // keeps its statistics when the scope ends.
        // Built in their final shape: a view of a temporary would leave the temporary's handle to the finalizer.
        var dims = Array.ConvertAll(shape, d => d == -1 ? mean.Length : d);
        this.mean = tensor(Array.ConvertAll(mean, v => (float)v), dims).DetachFromDisposeScope();
        inverseStd = tensor(Array.ConvertAll(std, v => (float)(1 / v)), dims).DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => input.sub(mean).mul_(inverseStd);

    /// <summary>The means subtracted, in the broadcast shape they are applied with (<c>[1, D]</c> or <c>[1, C, 1, 1]</c>).</summary>
    internal Tensor Mean => mean;

    /// <summary>The reciprocal standard deviations multiplied by, in the same shape as <see cref="Mean"/>.</summary>
    internal Tensor InverseStd => inverseStd;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the value when statistics cannot standardize an input of
    /// <paramref name="width"/> features or channels (<paramref name="unit"/>): as many means as standard deviations, one
    /// per unit (or none), means finite, standard deviations positive and finite.
    /// </summary>
    public static void Validate(double[]? mean, double[]? std, int width, string unit)
    {
        mean ??= Array.Empty<double>();
        std ??= Array.Empty<double>();
        string title = char.ToUpperInvariant(unit[0]) + unit[1..];
        if (mean.Length != std.Length)
            throw new ArgumentException($"{title} standardization needs as many means as standard deviations; got {mean.Length} and {std.Length}.", "spec");
        if (mean.Length != 0 && mean.Length != width)
            throw new ArgumentException($"{title} standardization has {mean.Length} values per statistic; the input has {width} {unit}s.", "spec");
        foreach (var m in mean)
            if (!double.IsFinite(m)) throw new ArgumentOutOfRangeException("spec", m, $"{title} means must be finite.");
        foreach (var d in std)
            if (!(d > 0) || double.IsInfinity(d)) throw new ArgumentOutOfRangeException("spec", d, $"{title} standard deviations must be positive and finite.");
    }

    /// <summary>The per-feature standardization of an MLP's spec, or null when it has none.</summary>
    public static InputStandardization? ForFeatures(NetworkSpec spec) =>
        spec.FeatureMean is { Length: > 0 } ? new InputStandardization(spec.FeatureMean, spec.FeatureStd, new long[] { 1, -1 }) : null;

    /// <summary>The per-channel standardization of an image network's spec, or null when it has none.</summary>
    public static InputStandardization? ForChannels(NetworkSpec spec) =>
        spec.ChannelMean is { Length: > 0 } ? new InputStandardization(spec.ChannelMean, spec.ChannelStd, new long[] { 1, -1, 1, 1 }) : null;
}
