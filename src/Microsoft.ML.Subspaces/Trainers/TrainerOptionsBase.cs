using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// What every trainer of this library reads: the label and weight columns, the budget and the optimizer, the device,
/// validation and reporting. Trainers that build a new network add its options (<see cref="NeuralNetworkTrainerOptions"/>);
/// trainers that continue or connect fitted models (<see cref="ConnectCurveOptions"/>) take the network from them.
/// Defaults: the automatic budget (20 epochs, fewer past 2,500 steps), batch 128, SGD lr 0.05 momentum 0.9 with an
/// automatic warm-up (one epoch; image networks at least 50 steps) and cosine decay, weight decay 1e-4; chosen on
/// validation splits of four data sets and, for image networks, two image sets (see the README's "Choosing a budget"
/// and docs/defaults.md).
/// </summary>
public abstract class TrainerOptionsBase
{
    private protected TrainerOptionsBase()
    {
    }

    /// <summary>Key-typed label column (use <c>MapValueToKey</c>). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Optional Single column of non-negative example weights; the loss is the weighted mean.</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>
    /// Passes over the training data. Default null: automatic, <see cref="AutomaticEpochs(long, int, NetworkOutput)"/> of the training rows
    /// (20 epochs, fewer for large data sets so that they do not take longer than needed; regression up to 40).
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>Rows per batch. Default 128.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>
    /// The optimizer of every point: <see cref="OptimizerKind.Sgd"/> (default, the subspace paper's) or
    /// <see cref="OptimizerKind.AdamW"/>.
    /// </summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Sgd;

    /// <summary>Peak learning rate. Default null: 0.05 for SGD, 0.001 for AdamW.</summary>
    public double? LearningRate { get; set; }

    /// <summary>The learning rate training uses: <see cref="LearningRate"/>, or the optimizer's default.</summary>
    public double EffectiveLearningRate => LearningRate ?? (Optimizer == OptimizerKind.AdamW ? 0.001 : 0.05);

    /// <summary>SGD momentum (AdamW keeps its own moments). Default 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 weight decay on every parameter of every point. Default 1e-4.</summary>
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>
    /// Epochs of linear learning-rate warm-up before the cosine decay (the paper uses 5 of 160 on CIFAR). Default null:
    /// automatic, <see cref="AutomaticWarmupEpochs"/>: one epoch, and for image networks at least
    /// <see cref="AutomaticImageWarmupSteps"/> optimizer steps. One epoch lifted a ConvNet line's midpoint on 6,400 MNIST
    /// images from 97.47% to 98.44% and from 97.17% to 98.62% (two seeds; the points take up to k times a standard step and
    /// were unstable early) and changed MLPs by -0.3 to +0.24 points; on 1,000 images one epoch is 8 steps, too few (see
    /// <see cref="AutomaticImageWarmupSteps"/>).
    /// </summary>
    public double? WarmupEpochs { get; set; }

    /// <summary>Label smoothing of the cross-entropy, in [0, 1). Default 0.</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// Regression only: the threshold of the Huber loss, in standard deviations of the label (squared error below it,
    /// absolute error above). Default null: 1 for regression. <see cref="SquaredError"/> (positive infinity) trains on the
    /// squared error alone. Why Huber by default: with squared error, a line's early steps on unscaled-error rows diverged
    /// (lr 0.05, and still at 0.01) or left it predicting the mean (white wine, one seed in three: RMSE 0.89 against the
    /// standard network's 0.70); at 1 standard deviation the loss is the squared error for nearly every row of a fitted
    /// model, and every seed trained (validation RMSE of the standard network 0.6922 against 0.6995 with squared error).
    /// </summary>
    public double? HuberDelta { get; set; }

    /// <summary>The <see cref="HuberDelta"/> that trains regression on the squared error.</summary>
    public const double SquaredError = double.PositiveInfinity;

    /// <summary>The Huber threshold regression uses when <see cref="HuberDelta"/> is not set.</summary>
    public const double DefaultHuberDelta = 1;

    /// <summary>Seed of initialization, shuffling and point sampling. Default: drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>"auto" (default: CUDA when present, else CPU), "cpu", "cuda" or "cuda:N". Honours MLContext.GpuDeviceId and FallbackToCpu.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Threads libtorch uses on the CPU (torch.set_num_threads); default: libtorch's own (one per core). Process-wide.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Optional validation data, scored after every epoch and logged.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Fraction of the training rows (drawn with the training seed) held out as validation data when no
    /// <see cref="ValidationSet"/> is given; they are not trained on. Default 0 (train on every row).
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// Networks with BatchNorm: how many training rows (drawn at random with the training seed) the fitted model keeps, and
    /// saves, to recompute BatchNorm statistics for each point it predicts with. Default 10,000 (all rows of smaller sets).
    /// </summary>
    public int BatchNormSampleRows { get; set; } = 10_000;

    /// <summary>Receives per-batch and per-epoch progress (the library also logs each epoch to MLContext.Log).</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Stops training between batches; Fit then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Most optimizer steps (batches) of the automatic budget, unless that is fewer than <see cref="AutomaticMinimumEpochs"/>.</summary>
    public const int AutomaticSteps = 2500;
    /// <summary>Fewest epochs of the automatic budget.</summary>
    public const int AutomaticMinimumEpochs = 10;
    /// <summary>Most epochs of the automatic budget.</summary>
    public const int AutomaticMaximumEpochs = 20;
    /// <summary>Most epochs of the automatic budget of regression.</summary>
    public const int AutomaticMaximumRegressionEpochs = 40;

    /// <summary>
    /// The automatic budget for <paramref name="rows"/> training rows in batches of <paramref name="batchSize"/>:
    /// <see cref="AutomaticMaximumEpochs"/> epochs, or fewer when that would exceed <see cref="AutomaticSteps"/> optimizer
    /// steps, but at least <see cref="AutomaticMinimumEpochs"/>. Below about 16,000 rows (batches of 128) that is 20 epochs;
    /// 32,000 rows get 10. Chosen on validation splits of four data sets: 40 epochs gained nothing over 20 on clean labels
    /// and cost up to 3 points under label noise; 20 epochs cost an MLP on 26,000 census rows 0.3-1 point against 10.
    /// Small data sets are not given more: with 500 and 1,500 training rows of each, 40 to 160 epochs were no better than 20
    /// on average (a little better on pixels, worse on wine measurements).
    /// </summary>
    public static int AutomaticEpochs(long rows, int batchSize) => AutomaticEpochs(rows, batchSize, NetworkOutput.Softmax);

    /// <summary>
    /// The automatic budget of a task: as <see cref="AutomaticEpochs(long, int)"/>, but regression may take up to
    /// <see cref="AutomaticMaximumRegressionEpochs"/> epochs (still at most <see cref="AutomaticSteps"/> steps). On held-out
    /// rows of three regression sets, with the Huber loss, a line's midpoint needed them: against the standard network, RMSE
    /// +2.6% at 20 epochs and +0.6% at 40 (white wine, 3 seeds, one split; +1.0 to +2.9% on five others), 0.0% and -1.0% (Adult hours per week, 2 seeds), +61% and
    /// +19% (a noise-free synthetic function, 2 seeds); the standard network changed by +0.5%, +0.7% and -8%.
    /// </summary>
    public static int AutomaticEpochs(long rows, int batchSize, NetworkOutput output)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count must be positive.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        long batches = SubspaceTrainingLoop.BatchesPerEpoch(rows, batchSize);
        long epochs = (AutomaticSteps + batches - 1) / batches;
        return (int)Math.Clamp(epochs, AutomaticMinimumEpochs, output == NetworkOutput.Linear ? AutomaticMaximumRegressionEpochs : AutomaticMaximumEpochs);
    }

    /// <summary>The epochs of a fit on <paramref name="rows"/> training rows: <see cref="Epochs"/>, or the automatic budget.</summary>
    internal int EpochsFor(long rows, NetworkOutput output = NetworkOutput.Softmax) => Epochs ?? AutomaticEpochs(rows, BatchSize, output);

    /// <summary>
    /// Fewest optimizer steps of the automatic warm-up of an image network (ConvNet, ResNet-20), unless that is more than
    /// <see cref="AutomaticWarmupMaximumFraction"/> of the budget; from about 6,300 images (batches of 128) one epoch is
    /// already that many. Chosen on held-out rows of two image sets, MNIST's PNGs and optdigits as 8x8 images, at 500, 1,000
    /// and about 3,000 images (ConvNet, two seeds, clean and 20% label noise): against one epoch of warm-up the line's
    /// midpoint went from 36.83 to 91.37% on 500 MNIST images and from 88.45 to 95.49% on 1,000, and over the six cells
    /// from 85.63 to 96.04% on average (91.92 from 79.48 under noise); the standard network from 96.38 to 97.33% (under
    /// noise it lost: 91.81 to 90.73%). 100 steps did about as well (better on MNIST, worse on optdigits) but would also
    /// change the full MNIST set. The ResNet-20's line on 1,000 optdigits images: 96.11 to 97.39%.
    /// </summary>
    public const int AutomaticImageWarmupSteps = 50;

    /// <summary>
    /// Largest fraction of the epochs the automatic warm-up of an image network takes (when one epoch is less). At 500
    /// images (4 steps per epoch) half of 20 epochs lifted the MNIST line's midpoint to 91.37% against 85.48% at 30%.
    /// </summary>
    public const double AutomaticWarmupMaximumFraction = 0.5;

    /// <summary>
    /// The automatic warm-up of a fit of <paramref name="epochs"/> epochs on <paramref name="rows"/> rows in batches of
    /// <paramref name="batchSize"/>: one epoch; for an image network (<paramref name="imageNetwork"/>), longer when one
    /// epoch is fewer than <see cref="AutomaticImageWarmupSteps"/> steps: that many steps, but at most
    /// <see cref="AutomaticWarmupMaximumFraction"/> of the epochs (and never less than one epoch, nor more than all).
    /// </summary>
    public static double AutomaticWarmupEpochs(long rows, int batchSize, int epochs, bool imageNetwork)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count must be positive.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "The number of epochs must be positive.");
        double warmup = 1;
        if (imageNetwork)
        {
            double batches = SubspaceTrainingLoop.BatchesPerEpoch(rows, batchSize);
            warmup = Math.Max(warmup, Math.Min(AutomaticImageWarmupSteps / batches, AutomaticWarmupMaximumFraction * epochs));
        }
        return Math.Min(warmup, epochs);
    }

    /// <summary>Whether the options build an image network (the automatic warm-up of those is longer on small data sets).</summary>
    private protected virtual bool BuildsImageNetwork => false;

    /// <summary>The warm-up epochs of a fit of <paramref name="epochs"/> epochs on <paramref name="rows"/> rows: <see cref="WarmupEpochs"/>, or the automatic one.</summary>
    internal double WarmupEpochsFor(long rows, int epochs) => WarmupEpochs ?? AutomaticWarmupEpochs(rows, BatchSize, epochs, BuildsImageNetwork);

    /// <summary>
    /// The training loop's settings for a seed, a number of training rows and the task's output (the automatic budget
    /// needs them; without rows, at construction, only the options themselves are checked). Trainers of one network: no regularizer, one point.
    /// </summary>
    internal virtual TrainingSettings SettingsFor(int seed, long? rows = null, NetworkOutput output = NetworkOutput.Softmax)
    {
        int epochs = rows is long n ? EpochsFor(n, output) : Epochs ?? AutomaticMinimumEpochs;
        // Without rows (at construction) the automatic budget is unknown: a warm-up is checked against Epochs only when set.
        double warmup = rows is long r ? WarmupEpochsFor(r, epochs) : Epochs is null ? Math.Min(WarmupEpochs ?? 0, epochs) : WarmupEpochs ?? 0;
        return new()
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            Optimizer = Optimizer,
            LearningRate = EffectiveLearningRate,
            Momentum = Momentum,
            WeightDecay = WeightDecay,
            WarmupEpochs = warmup,
            Beta = 0,
            LayerWise = false,
            LabelSmoothing = LabelSmoothing,
            HuberDelta = HuberDelta is double delta && double.IsPositiveInfinity(delta) ? null : HuberDelta ?? DefaultHuberDelta,
            CenterPreserving = false,
            Seed = seed,
        };
    }

    /// <summary>Checks every option, with errors naming the option; trainers call it at construction, before any data is read.</summary>
    internal virtual void Validate()
    {
        SettingsFor(seed: 0).Validate();
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in [0, 1).");
        if (BatchNormSampleRows < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchNormSampleRows), BatchNormSampleRows, "BatchNormSampleRows must be at least 1.");
        if (NumberOfThreads is int threads && threads < 1)
            throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), threads, "NumberOfThreads must be at least 1.");
    }
}
