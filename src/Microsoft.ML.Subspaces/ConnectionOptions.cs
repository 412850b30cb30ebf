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
    /// Before connecting each hidden layer, reorder the second network's neurons to the exact minimum-cost matching
    /// with the first's (squared Euclidean distance between neuron vectors). A permutation: the second network's
    /// function is unchanged. Default false.
    /// </summary>
    public bool OptimalTransport { get; set; }

    /// <summary>
    /// Weight adjustment: move each layer's incoming weights, and at every point re-solve the next layer by least
    /// squares so that its pre-activations on <see cref="TrainingData"/> stay as close as possible to the first
    /// network's. Needs <see cref="TrainingData"/>. Default false.
    /// </summary>
    public bool WeightAdjustment { get; set; }

    /// <summary>
    /// Training inputs (only the features column is read; labels are not needed). Required for weight adjustment.
    /// For MLPs with several hidden layers it also builds the intermediate networks the path goes through: the
    /// layer that bridges the second network's hidden layer to the first's next one is fitted by least squares on
    /// it (without data the first network's own layer is used). Not used otherwise.
    /// </summary>
    public IDataView? TrainingData { get; set; }

    /// <summary>The features column of <see cref="TrainingData"/>. Default: the first model's features column.</summary>
    public string? FeatureColumnName { get; set; }

    /// <summary>At most this many rows of <see cref="TrainingData"/> are used (a seeded uniform sample beyond). Default 10,000.</summary>
    public int MaxSampleRows { get; set; } = 10_000;

    /// <summary>Seed of the row sample. Default: drawn from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>Where the returned path transformer predicts until told otherwise (<c>WithPoint</c>). Default 0.5.</summary>
    public double PredictionPoint { get; set; } = 0.5;

    /// <summary>Stops reading the training rows and building the path between layers; Connect then throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }
}
