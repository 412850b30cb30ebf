using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>Builds a network from its <see cref="NetworkSpec"/>.</summary>
internal static class NetworkFactory
{
    /// <summary>Creates an initialized network for <paramref name="spec"/>.</summary>
    public static SubspaceNetwork Create(NetworkSpec spec, Generator? generator = null) => spec.Kind switch
    {
        NetworkArchitecture.Mlp => new SubspaceMlp(spec, generator),
        NetworkArchitecture.ConvNet => new SubspaceConvNet(spec, generator),
        NetworkArchitecture.ResNet20 => new SubspaceResNet20(spec, generator),
        _ => throw new NotSupportedException($"Unknown network architecture '{spec.Kind}'."),
    };

    /// <summary>True when networks of <paramref name="spec"/> have BatchNorm layers (their statistics are recomputed per point).</summary>
    public static bool HasBatchNorm(NetworkSpec spec) => spec.IsImageNetwork;
}
