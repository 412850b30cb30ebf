using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Export;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A fitted subspace of networks (a line, a curve, a simplex, or the single point of standard training) and
/// the choice of where in it to predict: the midpoint (simplex centroid) by default, any point
/// (<see cref="WithPoint(double)"/>), or an ensemble averaging probabilities over several points
/// (<see cref="WithEnsemble"/>). Each option returns a new transformer sharing the same weights.
/// </summary>
public sealed class SubspaceTransformer : ScorerTransformer, IPathTransformer
{
    private readonly SharedNetwork _weights;
    private readonly double[][] _coefficients;

    internal SubspaceTransformer(SharedNetwork weights, SubspaceShape shape, string featureColumnName, LabelKeyValues labels,
        IReadOnlyList<double[]> positions, string predictionDescription, IReadOnlyList<EpochSummary> history)
        : base(featureColumnName, weights.Network.Spec.InputSize, labels, weights.Network.Spec.Output)
    {
        _weights = weights;
        Shape = shape;
        Positions = positions.Select(p => (double[])p.Clone()).ToArray();
        _coefficients = Positions.Select(p => shape.Coefficients(p)).ToArray();
        Prediction = predictionDescription;
        TrainingHistory = history;
    }

    /// <summary>The shape of the subspace.</summary>
    public SubspaceShape Shape { get; }

    /// <summary>The architecture of the networks.</summary>
    public NetworkSpec Network => _weights.Network.Spec;

    /// <summary>The positions whose networks predict (one, or the members of an ensemble).</summary>
    public IReadOnlyList<double[]> Positions { get; }

    /// <summary>How this transformer predicts: "point 0.5", "endpoints", "sampled(8, seed 3)", ...</summary>
    public string Prediction { get; }

    /// <summary>The per-epoch training history (empty for models loaded from disk).</summary>
    public IReadOnlyList<EpochSummary> TrainingHistory { get; }

    internal SharedNetwork Weights => _weights;

    /// <summary>
    /// The same model, predicting with the network at <paramref name="t"/> in [0, 1] on a line or curve (the paper's
    /// alpha; for a 2-vertex simplex, (1 - t, t)). The weights are shared: a prediction-time option.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1], or the shape needs more coordinates.</exception>
    public SubspaceTransformer WithPoint(double t)
    {
        if (Shape is SimplexSubspace { Vertices: 2 }) return WithPoint(new[] { 1 - t, t });
        return WithPoint(new[] { t });
    }

    /// <summary>The same model, predicting with the network at <paramref name="position"/> (a single t, or a simplex's barycentric coordinates).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not on the shape.</exception>
    public SubspaceTransformer WithPoint(double[] position)
    {
        ArgumentNullException.ThrowIfNull(position);
        ThrowIfDisposed();
        Shape.Validate(position);
        return new SubspaceTransformer(_weights.Acquire(), Shape, FeatureColumnName, Labels, new[] { position },
            "point " + SubspaceShape.Format(position), TrainingHistory);
    }

    /// <summary>Predicts with the mean probabilities of an ensemble of points of the subspace.</summary>
    public SubspaceTransformer WithEnsemble(SubspaceEnsemble ensemble)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ThrowIfDisposed();
        var positions = ensemble.Resolve(Shape);
        return new SubspaceTransformer(_weights.Acquire(), Shape, FeatureColumnName, Labels, positions, ensemble.Description, TrainingHistory);
    }

    /// <summary>Predicts at the default point: the midpoint of a line or curve, the centroid of a simplex.</summary>
    public SubspaceTransformer AtCenter() => WithPointDescription(Shape.Center, "center");

    private SubspaceTransformer WithPointDescription(double[] position, string description)
    {
        ThrowIfDisposed();
        return new SubspaceTransformer(_weights.Acquire(), Shape, FeatureColumnName, Labels, new[] { position }, description, TrainingHistory);
    }

    /// <summary>
    /// The network at <paramref name="t"/> of the subspace's path as a standalone standard model with its own copy of the
    /// weights (with BatchNorm, statistics recomputed for that point): it can be saved, connected or continued, and
    /// outlives this transformer. The path is the line or curve itself; for a simplex, the edge from its first vertex to
    /// its second, (1 - t, t, 0, ...). A standard model has no path. Use <see cref="WithPoint(double)"/> to predict at
    /// t with shared weights.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The model is a standard network, which has no path.</exception>
    public SubspaceTransformer AtPoint(double t)
    {
        double[] position;
        if (Shape is SimplexSubspace simplex)
        {
            position = new double[simplex.Vertices];
            position[0] = 1 - t;
            position[1] = t;
        }
        else if (Shape.PositionLength != 1) throw new InvalidOperationException($"A {Shape.Name} model has no path of points.");
        else position = new[] { t };
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ThrowIfDisposed();
        var point = _weights.UseAt(Shape.Coefficients(position), network => network.Materialize(new[] { 1.0 }));
        return Standalone(point, FeatureColumnName, Labels, $"{Shape.Name} at t={t.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>A standard (single-point) model that owns <paramref name="network"/>: what <c>AtPoint</c> returns on subspaces and paths.</summary>
    internal static SubspaceTransformer Standalone(SubspaceNetwork network, string featureColumnName, LabelKeyValues labels, string description) =>
        new(new SharedNetwork(network), SinglePoint.Instance, featureColumnName, labels, new[] { SinglePoint.Instance.Center }, description, Array.Empty<EpochSummary>());

    ScorerTransformer IPathTransformer.AtPoint(double t) => AtPoint(t);

    private protected override void CheckFeatureColumn(Microsoft.ML.DataViewSchema.Column features)
    {
        if (Network.IsImageNetwork) ImageFeatureShape.CheckAgainstModel(features, Network.InputShape);
    }

    private protected override float[] Score(ReadOnlySpan<float> features, int rows)
    {
        return _weights.PredictProbabilities(features, rows, _coefficients);
    }

    private protected override string WriteOnnxCore(OnnxGraph graph, string input)
    {
        var probabilities = _coefficients
            .Select(c => _weights.UseAt(c, network => graph.Predictions(network.Spec, new OnnxNetworkWriter(graph, graph.Unique("net") + "/").Write(network, input))))
            .ToArray();
        return graph.Mean(graph.Unique("mean"), probabilities);
    }

    private protected override void ReleaseResources() => _weights.Release();

    internal override ScorerTransformer ShareWeights()
    {
        ThrowIfDisposed();
        return new SubspaceTransformer(_weights.Acquire(), Shape, FeatureColumnName, Labels, Positions, Prediction, TrainingHistory);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Shape.Name} subspace of {Network.Describe()}, predicting at {Prediction}";
}
