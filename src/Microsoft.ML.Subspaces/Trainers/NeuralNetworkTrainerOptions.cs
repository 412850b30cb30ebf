using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Training;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options shared by every trainer of this library: columns, network, optimization, device and reporting.
/// Defaults: MLP 512-512, the automatic budget (20 epochs, fewer past 2,500 steps), batch 128, SGD lr 0.05 momentum 0.9
/// with cosine decay, weight decay 1e-4, input standardized inside the network; chosen on validation splits of four data
/// sets (see the README's "Choosing a budget").
/// </summary>
public abstract class NeuralNetworkTrainerOptions
{
    /// <summary>Key-typed label column (use <c>MapValueToKey</c>). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Known-size vector of Single features. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Optional Single column of non-negative example weights; the loss is the weighted mean.</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>Hidden layer widths of the MLP. Default { 512, 512 }.</summary>
    public int[] HiddenLayers { get; set; } = { 512, 512 };

    /// <summary>
    /// Passes over the training data. Default null: automatic, <see cref="AutomaticEpochs"/> of the training rows (a budget
    /// in optimizer steps, so that small data sets are not under-trained and large ones do not take longer than needed).
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>Rows per batch. Default 128.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>Peak learning rate of SGD. Default 0.05.</summary>
    public double LearningRate { get; set; } = 0.05;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 weight decay on every parameter of every point. Default 1e-4.</summary>
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>
    /// Epochs of linear learning-rate warm-up before the cosine decay (the paper uses 5 of 160 on CIFAR). Default 1: on
    /// validation splits it lifted a ConvNet line's midpoint from 97.47% to 98.44% and from 97.17% to 98.62% (two seeds;
    /// the points take up to k times a standard step and were unstable early) and changed MLPs by -0.3 to +0.24 points.
    /// </summary>
    public double WarmupEpochs { get; set; } = 1;

    /// <summary>Label smoothing of the cross-entropy, in [0, 1). Default 0.</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>Seed of initialization, shuffling and point sampling. Default: drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>"auto" (default: CUDA when present, else CPU), "cpu", "cuda" or "cuda:N". Honours MLContext.GpuDeviceId and FallbackToCpu.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Threads libtorch uses on the CPU (torch.set_num_threads); default: libtorch's own (one per core). Process-wide.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Optional validation data, scored at the shape's center after every epoch and logged.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Fraction of the training rows (drawn with the training seed) held out as validation data when no
    /// <see cref="ValidationSet"/> is given; they are not trained on. Default 0 (train on every row).
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// Early stopping: stop when the center's validation accuracy (on <see cref="ValidationSet"/> or the
    /// <see cref="ValidationFraction"/> held out) has not improved for this many epochs, and return the weights of the best
    /// epoch. Default null: off (every epoch is trained and the last weights are returned).
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Receives per-batch and per-epoch progress (the library also logs each epoch to MLContext.Log).</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Stops training between batches; Fit then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

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
    /// Networks with BatchNorm: how many training rows (drawn at random with the training seed) the fitted model keeps, and
    /// saves, to recompute BatchNorm statistics for each point it predicts with. Default 10,000 (all rows of smaller sets).
    /// </summary>
    public int BatchNormSampleRows { get; set; } = 10_000;

    /// <summary>
    /// Standardize the input inside the network with statistics of the training rows (saved with the model and applied at
    /// prediction): an MLP centers each feature on its mean and divides it by <c>max(std, range / 4)</c> (a constant feature
    /// is only centered); an image network does the same per channel unless <see cref="ChannelMean"/>/<see cref="ChannelStd"/>
    /// are given. Default true: features in any units (counts, money, ages, pixels in [0, 255]) train alike, and multiplying
    /// a feature by a constant changes nothing.
    /// </summary>
    public bool StandardizeFeatures { get; set; } = true;

    /// <summary>Most optimizer steps (batches) of the automatic budget, unless that is fewer than <see cref="AutomaticMinimumEpochs"/>.</summary>
    public const int AutomaticSteps = 2500;
    /// <summary>Fewest epochs of the automatic budget.</summary>
    public const int AutomaticMinimumEpochs = 10;
    /// <summary>Most epochs of the automatic budget.</summary>
    public const int AutomaticMaximumEpochs = 20;

    /// <summary>
    /// The automatic budget for <paramref name="rows"/> training rows in batches of <paramref name="batchSize"/>:
    /// <see cref="AutomaticMaximumEpochs"/> epochs, or fewer when that would exceed <see cref="AutomaticSteps"/> optimizer
    /// steps, but at least <see cref="AutomaticMinimumEpochs"/>. Below about 16,000 rows (batches of 128) that is 20 epochs;
    /// 32,000 rows get 10. Chosen on validation splits of four data sets: 40 epochs gained nothing over 20 on clean labels
    /// and cost up to 3 points under label noise; 20 epochs cost an MLP on 26,000 census rows 0.3-1 point against 10.
    /// </summary>
    public static int AutomaticEpochs(long rows, int batchSize)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count must be positive.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        long size = Math.Min(batchSize, rows);
        long batches = (rows + size - 1) / size;
        long epochs = (AutomaticSteps + batches - 1) / batches;
        return (int)Math.Clamp(epochs, AutomaticMinimumEpochs, AutomaticMaximumEpochs);
    }

    /// <summary>The epochs of a fit on <paramref name="rows"/> training rows: <see cref="Epochs"/>, or the automatic budget.</summary>
    internal int EpochsFor(long rows) => Epochs ?? AutomaticEpochs(rows, BatchSize);

    internal virtual double BetaValue => 0;
    internal virtual bool LayerWiseValue => false;
    internal virtual bool CenterPreservingValue => false;
}

/// <summary>Options of the standard (single network) trainer: the baseline, trained by the same loop.</summary>
public sealed class StandardTrainerOptions : NeuralNetworkTrainerOptions
{
}

/// <summary>Options shared by subspace trainers (line, curve, simplex).</summary>
public abstract class SubspaceTrainerOptions : NeuralNetworkTrainerOptions
{
    /// <summary>Weight of the regularizer <c>cos^2(w_j, w_k)</c> for a random pair of points per batch. Default 1.</summary>
    public double Beta { get; set; } = 1.0;

    /// <summary>Draw an independent point for every layer in each batch ("layer-wise" training). Default false.</summary>
    public bool LayerWise { get; set; }

    /// <summary>
    /// Multiply each point's share of the gradient by the number of points, so that the shape's center learns as fast as a
    /// standard network at the same learning rate. Default true. Without it a line's midpoint is trained as with half the
    /// learning rate and a simplex of three's centroid with a third (the coefficients of a point sum to 1), which the
    /// paper's 160-epoch budgets absorb and short budgets do not.
    /// </summary>
    public bool CenterPreserving { get; set; } = true;

    internal override double BetaValue => Beta;
    internal override bool LayerWiseValue => LayerWise;
    internal override bool CenterPreservingValue => CenterPreserving;
}

/// <summary>Options of the line trainer: <c>w(a) = (1 - a) w0 + a w1</c>.</summary>
public sealed class LineTrainerOptions : SubspaceTrainerOptions
{
}

/// <summary>Options of the quadratic Bezier curve trainer: <c>(1-a)^2 w0 + 2a(1-a) wc + a^2 w1</c>.</summary>
public sealed class CurveTrainerOptions : SubspaceTrainerOptions
{
}

/// <summary>Options of the simplex trainer: <c>sum_i t_i w_i</c> over <see cref="Vertices"/> points.</summary>
public sealed class SimplexTrainerOptions : SubspaceTrainerOptions
{
    /// <summary>Number of vertices (at least 2). Default 3.</summary>
    public int Vertices { get; set; } = 3;
}
