using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of trainers that build a new network: <see cref="TrainerOptionsBase"/> plus the features column and the
/// network (an MLP 512-512 by default, or an image network), with its input standardized inside the network.
/// </summary>
public abstract class NeuralNetworkTrainerOptions : TrainerOptionsBase
{
    private protected NeuralNetworkTrainerOptions()
    {
    }

    /// <summary>Known-size vector of Single features. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Hidden layer widths of the MLP. Default { 512, 512 }.</summary>
    public int[] HiddenLayers { get; set; } = { 512, 512 };

    /// <summary>
    /// The network: <see cref="NetworkArchitecture.Mlp"/> (default), or an image network
    /// (<see cref="NetworkArchitecture.ConvNet"/>, <see cref="NetworkArchitecture.ResNet20"/>) that reads the features as
    /// planar images <c>[C, H, W]</c>: the dimensions <c>ExtractPixels</c> gives the column, or <see cref="ImageShape"/>.
    /// </summary>
    public NetworkArchitecture Network { get; set; } = NetworkArchitecture.Mlp;

    /// <summary>
    /// Image networks: the features' image shape <c>{ C, H, W }</c>, for when the column lost its dimensions (for example
    /// pixels read from a text file). Optional when the column has them (as <c>ExtractPixels</c> writes them); then the
    /// two must agree. Its product must equal the features' length.
    /// </summary>
    public int[]? ImageShape { get; set; }

    /// <summary>Image networks: multiplies every layer's channel count (ResNet-20: 16, 32, 64 times this). Default 1.</summary>
    public double WidthMultiplier { get; set; } = 1;

    /// <summary>
    /// Image networks: per-channel means subtracted from the pixels inside the network (with <see cref="ChannelStd"/>;
    /// one value per channel). Saved with the model and applied at prediction. Default none.
    /// </summary>
    public float[]? ChannelMean { get; set; }

    /// <summary>Image networks: per-channel standard deviations the centered pixels are divided by (with <see cref="ChannelMean"/>).</summary>
    public float[]? ChannelStd { get; set; }

    /// <summary>
    /// Image networks, training only: pad each image with this many zero pixels on every side and crop it back at a
    /// random offset (per image and batch). Default 0 (off).
    /// </summary>
    public int RandomCropPadding { get; set; }

    /// <summary>Image networks, training only: flip half of the images left-right in each batch. Default false (digits are not symmetric).</summary>
    public bool HorizontalFlip { get; set; }

    /// <summary>
    /// Dropout rate while training, in [0, 1): after every hidden layer of an MLP, before the classifier of an image
    /// network; masks are drawn from the fit's seeded stream, and prediction never drops. Default 0 (off).
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Standardize the input inside the network with statistics of the training rows (saved with the model and applied at
    /// prediction): an MLP centers each feature on its mean and divides it by <c>max(std, range / 4)</c> (a constant feature
    /// is only centered); an image network does the same per channel unless <see cref="ChannelMean"/>/<see cref="ChannelStd"/>
    /// are given. Default true: features in any units (counts, money, ages, pixels in [0, 255]) train alike, and multiplying
    /// a feature by a constant changes nothing.
    /// </summary>
    public bool StandardizeFeatures { get; set; } = true;

    /// <summary>
    /// The architecture for these options and the features column (the image shape from the column's dimensions or
    /// <see cref="ImageShape"/>), before input standardization.
    /// </summary>
    internal NetworkSpec SpecFor(DataViewSchema schema, int featureSize, int classCount)
    {
        if (Network == NetworkArchitecture.Mlp)
            return new NetworkSpec { Kind = NetworkArchitecture.Mlp, InputSize = featureSize, HiddenSizes = (int[])HiddenLayers.Clone(), ClassCount = classCount, Dropout = Dropout };
        var column = schema[FeatureColumnName];
        var shape = ImageFeatureShape.Resolve(column, ImageShape, nameof(ImageShape));
        int minimumSide = Network == NetworkArchitecture.ConvNet ? SubspaceConvNet.MinimumSide : 1;
        if (shape[1] < minimumSide || shape[2] < minimumSide)
            throw new ArgumentOutOfRangeException(nameof(Network), Network,
                $"{Network} needs images of at least {minimumSide}x{minimumSide} pixels; features column '{column.Name}' holds [C, H, W] = {ImageFeatureShape.Format(shape)}.");
        if (ChannelMean is { } mean && mean.Length != shape[0])
            throw new ArgumentOutOfRangeException(nameof(ChannelMean), mean.Length,
                $"ChannelMean has {mean.Length} value(s), ChannelStd {ChannelStd?.Length ?? 0}; features column '{column.Name}' has {shape[0]} channel(s) ([C, H, W] = {ImageFeatureShape.Format(shape)}). Give one mean and one standard deviation per channel.");
        return new NetworkSpec
        {
            Kind = Network,
            Dropout = Dropout,
            InputSize = featureSize,
            ClassCount = classCount,
            InputShape = shape,
            WidthMultiplier = WidthMultiplier,
            ChannelMean = ChannelMean is null ? Array.Empty<double>() : Array.ConvertAll(ChannelMean, v => (double)v),
            ChannelStd = ChannelStd is null ? Array.Empty<double>() : Array.ConvertAll(ChannelStd, v => (double)v),
        };
    }

    private protected override bool BuildsImageNetwork => Network != NetworkArchitecture.Mlp;

    internal override void Validate()
    {
        base.Validate();
        if (HiddenLayers is null) throw new ArgumentNullException(nameof(HiddenLayers), "HiddenLayers cannot be null; use an empty array for no hidden layer.");
        foreach (var h in HiddenLayers)
            if (h < 1) throw new ArgumentOutOfRangeException(nameof(HiddenLayers), h, "Every hidden layer width must be at least 1.");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        if (!Enum.IsDefined(Network))
            throw new ArgumentOutOfRangeException(nameof(Network), Network, "Unknown network architecture.");
        if (Network == NetworkArchitecture.Mlp)
        {
            string? set = ImageShape is not null ? nameof(ImageShape)
                : ChannelMean is not null || ChannelStd is not null ? nameof(ChannelMean) + "/" + nameof(ChannelStd)
                : RandomCropPadding != 0 ? nameof(RandomCropPadding)
                : HorizontalFlip ? nameof(HorizontalFlip)
                : WidthMultiplier != 1 ? nameof(WidthMultiplier) : null;
            if (set is not null)
                throw new ArgumentException($"{set} applies to image networks; set Network to {NetworkArchitecture.ConvNet} or {NetworkArchitecture.ResNet20} (Network is {Network}).", set);
            return;
        }
        ImageFeatureShape.ValidateOption(ImageShape, nameof(ImageShape));
        if (!(WidthMultiplier > 0) || double.IsInfinity(WidthMultiplier))
            throw new ArgumentOutOfRangeException(nameof(WidthMultiplier), WidthMultiplier, "WidthMultiplier must be positive and finite.");
        if (RandomCropPadding < 0)
            throw new ArgumentOutOfRangeException(nameof(RandomCropPadding), RandomCropPadding, "RandomCropPadding cannot be negative (0 turns cropping off).");
        if ((ChannelMean is null) != (ChannelStd is null) || ChannelMean is not null && ChannelMean.Length != ChannelStd!.Length)
            throw new ArgumentException(
                $"ChannelMean and ChannelStd go together, one value per channel; got {ChannelMean?.Length.ToString() ?? "none"} and {ChannelStd?.Length.ToString() ?? "none"}.",
                nameof(ChannelMean));
        if (ChannelMean is not null)
        {
            foreach (var m in ChannelMean)
                if (!float.IsFinite(m)) throw new ArgumentOutOfRangeException(nameof(ChannelMean), m, "ChannelMean values must be finite.");
            foreach (var d in ChannelStd!)
                if (!(d > 0) || float.IsInfinity(d)) throw new ArgumentOutOfRangeException(nameof(ChannelStd), d, "ChannelStd values must be positive and finite.");
        }
        if (ImageShape is not null && ChannelMean is not null && ChannelMean.Length != ImageShape[0])
            throw new ArgumentOutOfRangeException(nameof(ChannelMean), ChannelMean.Length,
                $"ChannelMean has {ChannelMean.Length} value(s); ImageShape {ImageFeatureShape.Format(ImageShape)} has {ImageShape[0]} channel(s).");
    }
}
