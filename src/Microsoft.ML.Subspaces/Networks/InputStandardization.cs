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
        this.mean = tensor(Array.ConvertAll(mean, v => (float)v)).view(shape).DetachFromDisposeScope();
        inverseStd = tensor(Array.ConvertAll(std, v => (float)(1 / v))).view(shape).DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => input.sub(mean).mul_(inverseStd);

    /// <summary>The per-feature standardization of an MLP's spec, or null when it has none.</summary>
    public static InputStandardization? ForFeatures(NetworkSpec spec) =>
        spec.FeatureMean is { Length: > 0 } ? new InputStandardization(spec.FeatureMean, spec.FeatureStd, new long[] { 1, -1 }) : null;

    /// <summary>The per-channel standardization of an image network's spec, or null when it has none.</summary>
    public static InputStandardization? ForChannels(NetworkSpec spec) =>
        spec.ChannelMean is { Length: > 0 } ? new InputStandardization(spec.ChannelMean, spec.ChannelStd, new long[] { 1, -1, 1, 1 }) : null;
}
