using Microsoft.ML.Runtime;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>
/// The subspace paper's experiments as library calls returning plain tables, reached through
/// <c>mlContext.Subspaces().Experiments</c>. Accuracy along a path is <c>mlContext.Subspaces().EvaluatePath</c>.
/// </summary>
public sealed class SubspaceExperiments
{
    private readonly MLContext _context;

    internal SubspaceExperiments(MLContext context) => _context = context;

    /// <summary>
    /// Anokhin and Yarotsky's ensembling figure: for m = 1 .. models.Count, the ordinary ensemble of the first m models
    /// against WA-ensembles of the same m models with heads of each size in <paramref name="headLayers"/>
    /// (<c>mlContext.Subspaces().Connections.WeightAdjustedEnsemble</c>), with each ensemble's count of distinct parameters.
    /// </summary>
    /// <param name="models">Single-network MLPs of one architecture, trained on <paramref name="trainingData"/>.</param>
    /// <param name="trainingData">The rows the heads are adjusted on.</param>
    /// <param name="test">Rows to score, with a label column.</param>
    /// <param name="headLayers">Head sizes to compare (default: 1, the output layer alone).</param>
    /// <param name="labelColumnName">The label column of <paramref name="test"/>.</param>
    /// <param name="bins">Bins of the calibration error.</param>
    public IReadOnlyList<EnsembleSizePoint> WeightAdjustedEnsembles(IReadOnlyList<SubspaceTransformer> models, IDataView trainingData, IDataView test,
        IReadOnlyList<int>? headLayers = null, string labelColumnName = "Label", int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(test);
        if (models.Count == 0) throw new ArgumentException("Give at least one model.", nameof(models));
        headLayers ??= new[] { 1 };
        int seed = ((IHostEnvironment)_context).Register("Subspaces.WeightAdjustedEnsemble").Rand.Next();
        var set = EvaluationSet.Read(test, models[0], labelColumnName);
        var spec = models[0].Network;
        long single = WeightAdjustedEnsembleFactory.Parameters(models[0], 1, spec.HiddenSizes.Length);
        var rows = new List<EnsembleSizePoint>();
        for (int m = 1; m <= models.Count; m++)
        {
            using (var plain = EnsembleTransformer.Create(models.Take(m)))
            {
                var metrics = set.Score(plain, bins);
                rows.Add(new EnsembleSizePoint("ensemble", m, m * single, metrics.Accuracy, metrics.LogLoss));
            }
            foreach (int h in headLayers)
            {
                using var wa = WeightAdjustedEnsembleFactory.Build(models.Take(m).ToList(), trainingData, h, seed);
                var metrics = set.Score(wa, bins);
                rows.Add(new EnsembleSizePoint($"WA({h})-ensemble", m, WeightAdjustedEnsembleFactory.Parameters(models[0], m, h), metrics.Accuracy, metrics.LogLoss));
            }
        }
        return rows;
    }

    /// <summary>
    /// Accuracy of the ensemble of P(a) and P(1 - a) for <paramref name="points"/> values of a from 0 (the endpoint
    /// ensemble) to 0.5 (the midpoint alone), on a line or curve.
    /// </summary>
    public IReadOnlyList<SymmetricEnsemblePoint> SymmetricEnsembles(SubspaceTransformer model, IDataView data, int points = 11,
        string labelColumnName = "Label", int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Shape.PositionLength != 1) throw new ArgumentException($"Symmetric ensembles need a line or a curve; this model is a {model.Shape.Name}.", nameof(model));
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "Need at least 2 points.");
        var set = EvaluationSet.Read(data, model, labelColumnName);
        var rows = new List<SymmetricEnsemblePoint>();
        for (int i = 0; i < points; i++)
        {
            double a = 0.5 * i / (points - 1);
            using var pair = model.WithEnsemble(SubspaceEnsemble.Symmetric(a));
            var m = set.Score(pair, bins);
            rows.Add(new SymmetricEnsemblePoint(a, m.Accuracy, m.LogLoss, m.ExpectedCalibrationError));
        }
        return rows;
    }

    /// <summary>
    /// Garipov et al.'s experiment on a fitted curve: for <paramref name="points"/> values of t from 0 to 1, the network
    /// phi(t) alone and the ensemble of the curve's start w0 = phi(0) with phi(t). Along a low-loss curve the pair's
    /// accuracy rises above either member's as phi(t) moves away from w0.
    /// </summary>
    public IReadOnlyList<StartEnsemblePoint> EnsemblesWithStart(SubspaceTransformer curve, IDataView data, int points = 11,
        string labelColumnName = "Label", int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Shape.PositionLength != 1) throw new ArgumentException($"Ensembles with the start need a line or a curve; this model is a {curve.Shape.Name}.", nameof(curve));
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "Need at least 2 points.");
        var set = EvaluationSet.Read(data, curve, labelColumnName);
        var rows = new List<StartEnsemblePoint>();
        for (int i = 0; i < points; i++)
        {
            double t = (double)i / (points - 1);
            using var single = curve.WithPoint(t);
            using var pair = curve.WithEnsemble(SubspaceEnsemble.Points(new[] { 0.0 }, new[] { t }));
            var alone = set.Score(single, bins);
            var together = set.Score(pair, bins);
            rows.Add(new StartEnsemblePoint(t, alone.Accuracy, alone.LogLoss, together.Accuracy, together.LogLoss));
        }
        return rows;
    }

    /// <summary>
    /// Accuracy at every point of a regular grid on a simplex: all barycentric coordinates that are multiples of
    /// 1 / <paramref name="resolution"/> (66 points for a triangle at resolution 10).
    /// </summary>
    public IReadOnlyList<SimplexGridPoint> SimplexGrid(SubspaceTransformer model, IDataView data, int resolution = 10,
        string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Shape is not SimplexSubspace simplex) throw new ArgumentException($"A simplex grid needs a simplex; this model is a {model.Shape.Name}.", nameof(model));
        if (resolution < 1) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "The resolution must be at least 1.");
        var set = EvaluationSet.Read(data, model, labelColumnName);
        var rows = new List<SimplexGridPoint>();
        foreach (var counts in Compositions(resolution, simplex.Vertices))
        {
            var position = counts.Select(c => (double)c / resolution).ToArray();
            using var point = model.WithPoint(position);
            var m = set.Score(point, 20);
            rows.Add(new SimplexGridPoint(position, m.Accuracy, m.LogLoss));
        }
        return rows;
    }

    /// <summary>
    /// Label-noise robustness: trains each of <paramref name="trainers"/> on <paramref name="train"/> with
    /// <paramref name="fraction"/> of its labels replaced by uniformly drawn classes (fixed <paramref name="seed"/>,
    /// training split only) and evaluates on the clean <paramref name="test"/> labels: a standard model by itself,
    /// a subspace at its midpoint and as its endpoint ensemble.
    /// </summary>
    public LabelNoiseResult LabelNoise(IDataView train, IDataView test, double fraction, int seed,
        IReadOnlyList<(string Name, SubspaceTrainer Trainer)> trainers, string labelColumnName = "Label", int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(trainers);
        if (trainers.Count == 0) throw new ArgumentException("Give at least one trainer.", nameof(trainers));
        var noisy = new NoisyLabelDataView(train, labelColumnName, fraction, seed);
        var rows = new List<ExperimentRow>();
        EvaluationSet? set = null;
        foreach (var (name, trainer) in trainers)
        {
            using var model = trainer.Fit(noisy);
            set ??= EvaluationSet.Read(test, model, labelColumnName);
            var center = set.Score(model, bins);
            rows.Add(new ExperimentRow(model.Shape.PointCount == 1 ? name : name + " midpoint", center.Accuracy, center.LogLoss, center.ExpectedCalibrationError));
            if (model.Shape.PointCount > 1)
            {
                using var ends = model.WithEnsemble(SubspaceEnsemble.Endpoints);
                var e = set.Score(ends, bins);
                rows.Add(new ExperimentRow(name + " endpoint ensemble", e.Accuracy, e.LogLoss, e.ExpectedCalibrationError));
            }
        }
        return new LabelNoiseResult(fraction, noisy.ChangedRows, rows);
    }

    /// <summary>Returns <paramref name="data"/> with symmetric label noise in its key-typed label column (see <see cref="LabelNoise"/>).</summary>
    public IDataView WithLabelNoise(IDataView data, double fraction, int seed, string labelColumnName = "Label") =>
        new NoisyLabelDataView(data, labelColumnName, fraction, seed);

    /// <summary>
    /// <paramref name="data"/> with its image features corrupted (<see cref="ImageCorruption"/> at <paramref name="severity"/>
    /// 1 to 5), deterministically: row i is corrupted by draws seeded from (<paramref name="seed"/>, corruption, severity, i).
    /// </summary>
    /// <param name="data">Rows with planar image features <c>[C, H, W]</c>.</param>
    /// <param name="corruption">The corruption.</param>
    /// <param name="severity">1 (mildest) to 5.</param>
    /// <param name="seed">Seed of the random draws.</param>
    /// <param name="featureColumnName">The image features column.</param>
    /// <param name="imageShape">[C, H, W] when the column does not carry its dimensions.</param>
    /// <param name="pixelRange">The largest pixel value: 1 for pixels in [0, 1], 255 for ExtractPixels' bytes.</param>
    public IDataView WithCorruption(IDataView data, ImageCorruption corruption, int severity, int seed = 0, string featureColumnName = "Features",
        int[]? imageShape = null, float pixelRange = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new CorruptedImagesDataView(data, featureColumnName, imageShape, corruption, severity, seed, pixelRange);
    }

    /// <summary>
    /// Robustness to input corruption (Wortsman et al. report ImageNet-C): every model on the clean test images and on
    /// each corruption at severities 1 to 5 (<see cref="WithCorruption"/>), the same corrupted images for every model.
    /// </summary>
    public IReadOnlyList<CorruptionRow> CorruptionRobustness(IReadOnlyList<(string Name, ScorerTransformer Model)> models, IDataView test,
        int seed = 0, IReadOnlyList<ImageCorruption>? corruptions = null, string featureColumnName = "Features", string labelColumnName = "Label",
        int[]? imageShape = null, float pixelRange = 1, int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(test);
        if (models.Count == 0) throw new ArgumentException("Give at least one model.", nameof(models));
        var rows = new List<CorruptionRow>();
        void Score(IDataView data, ImageCorruption? corruption, int severity)
        {
            var set = EvaluationSet.Read(data, models[0].Model, labelColumnName);
            foreach (var (name, model) in models)
            {
                var m = set.Score(model, bins);
                rows.Add(new CorruptionRow(name, corruption, severity, m.Accuracy, m.LogLoss, m.ExpectedCalibrationError));
            }
        }
        Score(test, null, 0);
        foreach (var corruption in corruptions ?? Enum.GetValues<ImageCorruption>())
            for (int severity = 1; severity <= ImageCorruptions.Severities; severity++)
                Score(WithCorruption(test, corruption, severity, seed, featureColumnName, imageShape, pixelRange), corruption, severity);
        return rows;
    }

    private static IEnumerable<int[]> Compositions(int total, int parts)
    {
        if (parts == 1) { yield return new[] { total }; yield break; }
        for (int first = total; first >= 0; first--)
            foreach (var rest in Compositions(total - first, parts - 1))
                yield return new[] { first }.Concat(rest).ToArray();
    }
}
