namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A serializable description of a network's architecture, enough to rebuild it before loading weights.
/// </summary>
public sealed record NetworkSpec
{
    /// <summary>The architecture: an MLP, <see cref="SubspaceConvNet"/> or <see cref="SubspaceResNet20"/>.</summary>
    public NetworkArchitecture Kind { get; init; } = NetworkArchitecture.Mlp;
    /// <summary>Number of input features (for image networks, <c>C * H * W</c>).</summary>
    public int InputSize { get; init; }
    /// <summary>Hidden layer widths of an MLP.</summary>
    public int[] HiddenSizes { get; init; } = Array.Empty<int>();
    /// <summary>Number of classes (width of the last layer): 1 for binary classification and regression.</summary>
    public int ClassCount { get; init; }
    /// <summary>What the last layer predicts: class probabilities (default), a binary logit, or a standardized regression label.</summary>
    public NetworkOutput Output { get; init; } = NetworkOutput.Softmax;
    /// <summary>Regression: the training labels' mean, added back to every prediction (0 otherwise).</summary>
    public double TargetMean { get; init; }
    /// <summary>Regression: the training labels' standard deviation, multiplying every prediction (1 otherwise).</summary>
    public double TargetStd { get; init; } = 1;
    /// <summary>Number of weight points k in every layer.</summary>
    public int PointCount { get; init; } = 1;
    /// <summary>Image networks: the input's <c>[C, H, W]</c> (features are planar, channel first, as <c>ExtractPixels</c> writes them). Empty for an MLP.</summary>
    public int[] InputShape { get; init; } = Array.Empty<int>();
    /// <summary>Image networks: multiplies every layer's channel count (ResNet-20: 16, 32, 64 times this). Default 1.</summary>
    public double WidthMultiplier { get; init; } = 1;
    /// <summary>Image networks: per-channel mean subtracted inside the network (empty: no normalization).</summary>
    public double[] ChannelMean { get; init; } = Array.Empty<double>();
    /// <summary>Image networks: per-channel standard deviation the centered input is divided by (empty: no normalization).</summary>
    public double[] ChannelStd { get; init; } = Array.Empty<double>();

    /// <summary>MLPs: per-feature mean subtracted from the input inside the network (empty: no standardization).</summary>
    public double[] FeatureMean { get; init; } = Array.Empty<double>();
    /// <summary>MLPs: per-feature standard deviation the centered input is divided by (empty: no standardization).</summary>
    public double[] FeatureStd { get; init; } = Array.Empty<double>();

    /// <summary>
    /// Dropout rate while training: after every hidden layer of an MLP, before the classifier of an image network. Off at
    /// prediction. Default 0.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>The same architecture with another number of points.</summary>
    public NetworkSpec WithPointCount(int points) => this with { PointCount = points };

    /// <summary>True for the kinds that take images (<c>InputShape</c> is used).</summary>
    public bool IsImageNetwork => Kind is NetworkArchitecture.ConvNet or NetworkArchitecture.ResNet20;

    /// <summary>True when two specs describe the same architecture (ignoring the number of points).</summary>
    public bool SameArchitecture(NetworkSpec other) =>
        Kind == other.Kind && InputSize == other.InputSize && ClassCount == other.ClassCount && HiddenSizes.SequenceEqual(other.HiddenSizes)
        && Output == other.Output && TargetMean == other.TargetMean && TargetStd == other.TargetStd
        && InputShape.SequenceEqual(other.InputShape) && WidthMultiplier == other.WidthMultiplier
        && ChannelMean.SequenceEqual(other.ChannelMean) && ChannelStd.SequenceEqual(other.ChannelStd)
        && FeatureMean.SequenceEqual(other.FeatureMean) && FeatureStd.SequenceEqual(other.FeatureStd);

    /// <summary>"mlp 784-512-512-10", "resnet20 1x28x28 width 1 -> 10".</summary>
    public string Describe() => IsImageNetwork
        ? FormattableString.Invariant($"{KindName} {string.Join("x", InputShape)} width {WidthMultiplier} -> {ClassCount}")
        : $"{KindName} {string.Join("-", new[] { InputSize }.Concat(HiddenSizes).Append(ClassCount))}";

    /// <summary>The architecture's name in messages and saved models: "mlp", "convnet", "resnet20".</summary>
    internal string KindName => Kind.ToString().ToLowerInvariant();

    /// <summary>
    /// Why a spec read from an untrusted source cannot describe a network this library builds (sizes out of range), or
    /// null. Checked before anything is allocated for it.
    /// </summary>
    internal string? Implausible()
    {
        if (!Enum.IsDefined(Kind)) return $"unknown architecture {(int)Kind}";
        if (InputSize < 1 || InputSize > 1 << 26) return $"input size {InputSize}";
        if (ClassCount < 1 || ClassCount > 1 << 20) return $"class count {ClassCount}";
        if (PointCount < 1 || PointCount > 64) return $"point count {PointCount}";
        if (!(Dropout >= 0 && Dropout < 1)) return $"dropout {Dropout}";
        if (!Enum.IsDefined(Output)) return $"unknown output {(int)Output}";
        if (Output != NetworkOutput.Softmax && ClassCount != 1) return $"{Output} output with {ClassCount} outputs";
        if (!double.IsFinite(TargetMean) || !(TargetStd > 0) || double.IsInfinity(TargetStd)) return $"target standardization {TargetMean}, {TargetStd}";
        if (HiddenSizes is null || InputShape is null || ChannelMean is null || ChannelStd is null || FeatureMean is null || FeatureStd is null)
            return "missing fields";
        if (HiddenSizes.Length > 64 || HiddenSizes.Any(h => h < 1 || h > 1 << 20)) return $"hidden sizes [{string.Join(", ", HiddenSizes)}]";
        if (IsImageNetwork)
        {
            if (InputShape.Length != 3 || InputShape.Any(d => d < 1 || d > 1 << 14) || (long)InputShape[0] * InputShape[1] * InputShape[2] != InputSize)
                return $"image shape [{string.Join(", ", InputShape)}] for {InputSize} features";
            if (!(WidthMultiplier > 0) || WidthMultiplier > 64) return $"width multiplier {WidthMultiplier}";
        }
        return null;
    }

    /// <summary>
    /// A lower bound of the weights (float values, over all points) a network of this spec holds: exact for an MLP, the
    /// widest layers for an image network. A saved weights entry smaller than this cannot be this network's.
    /// </summary>
    internal long MinimumParameterCount()
    {
        if (!IsImageNetwork)
        {
            long total = 0, previous = InputSize;
            foreach (var width in HiddenSizes.Append(ClassCount))
            {
                total += (previous + 1) * width;
                previous = width;
            }
            return total * PointCount;
        }
        long last = Scaled(Kind == NetworkArchitecture.ConvNet ? 128 : 64);
        long convolution = 9 * last * Scaled(Kind == NetworkArchitecture.ConvNet ? 64 : 32);
        long classifier = Kind == NetworkArchitecture.ConvNet ? last * (InputShape[1] / 8) * (InputShape[2] / 8) * ClassCount : last * ClassCount;
        return (convolution + classifier) * PointCount;
    }

    /// <summary>A base channel count scaled by <see cref="WidthMultiplier"/> (at least 1).</summary>
    internal int Scaled(int channels) => Math.Max(1, (int)Math.Round(channels * WidthMultiplier, MidpointRounding.AwayFromZero));
}
