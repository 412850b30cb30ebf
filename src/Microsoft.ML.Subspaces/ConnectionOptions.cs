using Microsoft.ML.Subspaces.Connections;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// Options of a training-free connection between two fitted MLPs (Anokhin and Yarotsky, ICML 2020). The method is
/// named by its parts: <see cref="Kind"/> (Linear or Arc), optionally preceded by optimal transport (OT) and followed
/// by weight adjustment (WA): "Linear", "Arc", "OT+Linear", "OT+Arc", "Linear+WA", "Arc+WA", "OT+Linear+WA" (the
/// paper's OT+WA), "OT+Arc+WA".
/// </summary>
public sealed class ConnectionOptions
{
    /// <summary>How each neuron moves: along a segment or an arc. Default <see cref="ConnectionKind.Linear"/>.</summary>
    public ConnectionKind Kind { get; set; } = ConnectionKind.Linear;

    /// <summary>
    /// Reorder the second network's hidden neurons to the exact minimum-cost matching with the first's (squared
    /// Euclidean distance between neuron vectors), connect to that reordered network, then go on to the second network
    /// itself by swapping its neurons back, pair by pair (the paper's second stage): the same function at both ends of
    /// that stage, and a path continuous in weights from the first network to the second. The connection takes t in
    /// [0, 1/2] and the swaps t in [1/2, 1] (shared in proportion to their lengths in weight space). Default false.
    /// </summary>
    public bool OptimalTransport { get; set; }

    /// <summary>
    /// Reorder the second network's hidden neurons by weight matching over all layers at once (Ainsworth et al., 2022,
    /// "Git Re-Basin"): the permutations that maximize the inner product of the two networks' weights, each layer's
    /// solved exactly in turn until none improves. Then, as with <see cref="OptimalTransport"/>, connect to the reordered
    /// network and swap back to the second network's own weights. For the path that moves every layer at once: not with
    /// <see cref="OptimalTransport"/>, <see cref="WeightAdjustment"/> or <see cref="LayerByLayer"/>. Default false.
    /// </summary>
    public bool WeightMatching { get; set; }

    /// <summary>
    /// REPAIR (Jordan et al., 2022): at every point, shift and scale each hidden neuron's pre-activations on
    /// <see cref="TrainingData"/> to the mean and standard deviation interpolated between the two networks' own, undoing
    /// the collapse of variance that interpolation causes. Needs <see cref="TrainingData"/>; for the path that moves every
    /// layer at once (not with <see cref="WeightAdjustment"/> or <see cref="LayerByLayer"/>). Default false.
    /// </summary>
    public bool Repair { get; set; }

    /// <summary>
    /// Weight adjustment: move each layer's incoming weights, and at every point re-solve the next layer by least
    /// squares so that its pre-activations on <see cref="TrainingData"/> stay as close as possible to the first
    /// network's. Needs <see cref="TrainingData"/>. Default false.
    /// </summary>
    public bool WeightAdjustment { get; set; }

    /// <summary>
    /// Connect an MLP with several hidden layers one hidden layer at a time, through intermediate networks that have the
    /// second network's first layers and the first network's last ones, instead of moving every layer at once. Default
    /// false: the paper's Linear and Arc, <c>(1 - t) A + t B</c> and the arc, over all layers simultaneously. Weight
    /// adjustment always works layer by layer (it re-solves the layer after the moving one). The same path for a
    /// network with one hidden layer, except that Arc moves the output bias linearly here and on the arc otherwise.
    /// </summary>
    public bool LayerByLayer { get; set; }

    /// <summary>
    /// Training inputs (only the features column is read; labels are not needed). Required for weight adjustment.
    /// With <see cref="LayerByLayer"/>, for MLPs with several hidden layers, it also builds the intermediate networks
    /// the path goes through: the layer that bridges the second network's hidden layer to the first's next one is
    /// fitted by least squares on it (without data the first network's own layer is used). Not used otherwise.
    /// </summary>
    public IDataView? TrainingData { get; set; }

    /// <summary>The features column of <see cref="TrainingData"/>. Default: the first model's features column.</summary>
    public string? FeatureColumnName { get; set; }

    /// <summary>At most this many rows of <see cref="TrainingData"/> are used (a seeded uniform sample beyond). Default 10,000.</summary>
    public int MaxSampleRows { get; set; } = 10_000;

    /// <summary>Seed of the row sample and of weight matching's order of layers. Default: drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>Where the returned path transformer predicts until told otherwise (<c>WithPoint</c>). Default 0.5.</summary>
    public double PredictionPoint { get; set; } = 0.5;

    /// <summary>Stops reading the training rows and building the path between layers; Connect then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }
}
