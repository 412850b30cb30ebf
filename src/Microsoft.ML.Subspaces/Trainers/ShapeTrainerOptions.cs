using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of the trainers that fit one shape of networks from scratch (<c>Standard</c>, <c>Line</c>, <c>Curve</c>,
/// <c>Simplex</c>): the network options, plus early stopping, which only a single run whose result is its last network
/// can offer.
/// </summary>
public abstract class ShapeTrainerOptions : NeuralNetworkTrainerOptions
{
    private protected ShapeTrainerOptions()
    {
    }

    /// <summary>
    /// Early stopping: stop when the center's temperature-scaled validation loss (on
    /// <see cref="TrainerOptionsBase.ValidationSet"/> or the <see cref="TrainerOptionsBase.ValidationFraction"/> held out)
    /// has not improved for this many epochs, and return the weights of the epoch with the lowest. For classification
    /// the loss is the cross-entropy (binary for two classes) of the center's logits divided by the temperature that makes
    /// it lowest; for regression, the squared error of the standardized label; without label smoothing or example
    /// weights. The plain cross-entropy rises as soon as the network grows more confident, often while its accuracy still
    /// improves for many epochs; at its best temperature it does not. Measured with the <c>early-stopping</c> sample
    /// (patience 5, validation rows): the center ended 0.31 points below the best epoch's accuracy on average on MNIST-8k
    /// (eight seeds), against 0.56 following the plain cross-entropy and 0.65 following the accuracy; 0.26 on optdigits
    /// (four seeds) against 0.30 and 0.33; on the test rows, measured after, 0.46 and 0.07 against the plain
    /// cross-entropy's 0.48 and 0.13 (README, "Data of any size, long runs"). The history reports all three
    /// (<c>ValidationAccuracy</c>, <c>ValidationLoss</c>, <c>ValidationTemperatureScaledLoss</c>).
    /// Default null: off (every epoch is trained and the last weights are returned).
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// With <see cref="EarlyStoppingPatience"/>: how many times a plateau, instead of stopping the fit, returns to the
    /// best epoch's weights and divides the learning rate by 10 for the rest of the fit; the plateau after the last drop
    /// stops it (as Keras' <c>ReduceLROnPlateau</c> beside <c>EarlyStopping</c>). A fit stopped on its first plateau keeps
    /// the weights of a high learning rate; the drops settle them. Default 0: the first plateau stops. Measured on
    /// validation rows (the <c>early-stopping</c> sample, patience 5): 2 drops left the early-stopped center 0.29 points
    /// below the best epoch of a full 100-epoch fit on MNIST-8k (eight seeds) against 0.31 without, for 15 more epochs
    /// on average, and 0.26 on optdigits either way (four seeds); on the test rows 0.38 against 0.46 (MNIST) and 0.13
    /// against 0.07 (optdigits).
    /// </summary>
    public int EarlyStoppingLearningRateDrops { get; set; }

    /// <summary>
    /// A directory for checkpoints of a long fit: after every <see cref="CheckpointFrequency"/> epochs (and the last) the
    /// fit writes <c>checkpoint.bin</c> there (every point, the optimizer's state and step, the random streams' state, the
    /// history and early stopping's best epoch), atomically. When the directory already holds a checkpoint of the same fit
    /// (same data size, architecture, shape, seed, budget and optimizer), <c>Fit</c> resumes from it: a fit killed after an
    /// epoch and started again with the same options and data ends with the weights an uninterrupted fit has, bit for bit
    /// on the CPU. A checkpoint of another fit is an error naming it. Default null: no checkpoints.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Epochs between checkpoints when <see cref="CheckpointDirectory"/> is set. Default 1.</summary>
    public int CheckpointFrequency { get; set; } = 1;

    /// <summary>
    /// Streaming mode, for data larger than memory: the training rows are not read into memory; every epoch reads the data
    /// view again through a shuffle buffer of this many rows (blocks read, shuffled with the fit's seed and served in
    /// batches), after one first pass that counts the rows and gathers the standardization statistics and a random sample
    /// of <see cref="TrainerOptionsBase.BatchNormSampleRows"/> rows. Two buffers are held (the next is read while one is
    /// served), in libtorch's memory. Memory stays flat whatever the row count; any
    /// repeatable view works (files, ML.NET's DatabaseLoader). A buffer far smaller than the data shuffles less than
    /// training in memory (rows keep the view's order between blocks). Needs a <c>ValidationSet</c> rather than
    /// <see cref="TrainerOptionsBase.ValidationFraction"/>. Default null: the rows are read into memory once.
    /// </summary>
    public int? ShuffleBufferRows { get; set; }

    internal override void Validate()
    {
        base.Validate();
        if (ShuffleBufferRows is < 1)
            throw new ArgumentOutOfRangeException(nameof(ShuffleBufferRows), ShuffleBufferRows, "ShuffleBufferRows must be at least 1 (null reads the rows into memory).");
    }

    internal override TrainingSettings SettingsFor(int seed, long? rows = null, NetworkOutput output = NetworkOutput.Softmax) =>
        base.SettingsFor(seed, rows, output) with
        {
            EarlyStoppingPatience = EarlyStoppingPatience,
            EarlyStoppingLearningRateDrops = EarlyStoppingLearningRateDrops,
            CheckpointDirectory = CheckpointDirectory is null ? null : Path.GetFullPath(CheckpointDirectory),
            CheckpointFrequency = CheckpointFrequency,
        };
}

/// <summary>Options of the standard (single network) trainer: the baseline, trained by the same loop.</summary>
public sealed class StandardTrainerOptions : ShapeTrainerOptions
{
}

/// <summary>Options shared by subspace trainers (line, curve, simplex).</summary>
public abstract class SubspaceTrainerOptions : ShapeTrainerOptions
{
    private protected SubspaceTrainerOptions()
    {
    }

    /// <summary>Weight of the regularizer <c>cos^2(w_j, w_k)</c> for a random pair of points per batch. Default 1.</summary>
    public double Beta { get; set; } = 1.0;

    /// <summary>
    /// The cosine similarity the points' weights start with, in [0, 1). 0 draws every point independently, as in the paper;
    /// a larger value starts the points from one shared draw mixed with their own (a shorter line): less of the
    /// subspace's regularization, which helps data that needs a close fit and costs some robustness to label noise.
    /// Default null, automatic: <see cref="AutomaticClassificationInitialPointCosine"/> for classification,
    /// <see cref="AutomaticRegressionInitialPointCosine"/> for regression. Measured in docs/defaults.md (the README's "Choosing a budget" sums it up).
    /// </summary>
    public double? InitialPointCosine { get; set; }

    /// <summary>The automatic <see cref="InitialPointCosine"/> of classification trainers (multiclass and binary): 0.5.</summary>
    public const double AutomaticClassificationInitialPointCosine = 0.5;

    /// <summary>The automatic <see cref="InitialPointCosine"/> of regression trainers: 0.8.</summary>
    public const double AutomaticRegressionInitialPointCosine = 0.8;

    /// <summary>Draw an independent point for every layer in each batch ("layer-wise" training). Default false.</summary>
    public bool LayerWise { get; set; }

    /// <summary>
    /// Multiply each point's share of the gradient by the number of points, so that the shape's center learns as fast as a
    /// standard network at the same learning rate. Default true. Without it a line's midpoint is trained as with half the
    /// learning rate and a simplex of three's centroid with a third (the coefficients of a point sum to 1), which the
    /// paper's 160-epoch budgets absorb and short budgets do not.
    /// </summary>
    public bool CenterPreserving { get; set; } = true;

    internal override TrainingSettings SettingsFor(int seed, long? rows = null, NetworkOutput output = NetworkOutput.Softmax) =>
        base.SettingsFor(seed, rows, output) with { Beta = Beta, LayerWise = LayerWise, CenterPreserving = CenterPreserving, InitialPointCosine = InitialPointCosine ?? (output == NetworkOutput.Linear ? AutomaticRegressionInitialPointCosine : AutomaticClassificationInitialPointCosine) };
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
