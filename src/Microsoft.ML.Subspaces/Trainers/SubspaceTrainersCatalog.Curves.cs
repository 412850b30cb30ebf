using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Trainers;

// Mode connectivity and cheap ensembles (Garipov et al. 2018; Izmailov et al. 2018).
public sealed partial class SubspaceTrainersCatalog
{
    /// <summary>
    /// A curve between two fitted single-network models of the same architecture and task (for example two
    /// <c>Standard</c> fits with different seeds): the ends stay fixed, the bend is trained (Garipov et al., 2018).
    /// The fitted model is a three-point <see cref="SubspaceTransformer"/> that predicts exactly as
    /// <paramref name="start"/> at a = 0 and as <paramref name="end"/> at a = 1.
    /// </summary>
    /// <param name="start">The network at a = 0: a standard model, or a subspace model predicting at one point.</param>
    /// <param name="end">The network at a = 1.</param>
    /// <param name="kind">Bezier (default) or polygonal chain.</param>
    /// <param name="labelColumnName">Key-typed label column (the key mapping the models were trained with).</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="learningRate">Learning rate of the first half of the epochs.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <exception cref="ArgumentException">The models have different architectures, features or classes, or one predicts with an ensemble.</exception>
    public ConnectCurveTrainer ConnectCurve(SubspaceTransformer start, SubspaceTransformer end, CurveKind kind = CurveKind.Bezier,
        string labelColumnName = "Label", int epochs = 20, double learningRate = 0.05, int batchSize = 128) =>
        ConnectCurve(start, end, new ConnectCurveOptions { Kind = kind, LabelColumnName = labelColumnName, Epochs = epochs, LearningRate = learningRate, BatchSize = batchSize });

    /// <summary>A curve between two fitted models, with all options.</summary>
    /// <exception cref="ArgumentException">The models have different architectures, features or classes, or one predicts with an ensemble.</exception>
    public ConnectCurveTrainer ConnectCurve(SubspaceTransformer start, SubspaceTransformer end, ConnectCurveOptions options) =>
        new(_context, start, end, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>
    /// Fast Geometric Ensembling from a fitted model: <paramref name="cycles"/> cycles of the cyclic learning rate
    /// between <paramref name="learningRate1"/> and <paramref name="learningRate2"/>, one snapshot at the low point
    /// of each; the result averages the snapshots' probabilities.
    /// </summary>
    /// <param name="initialModel">The model to start from (a standard model, or a subspace model predicting at one point). It is not modified.</param>
    /// <param name="cycles">Number of cycles and snapshots.</param>
    /// <param name="cycleEpochs">Cycle length in epochs (even).</param>
    /// <param name="learningRate1">The high rate lr1.</param>
    /// <param name="learningRate2">The low rate lr2.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    public FastGeometricEnsembleTrainer FastGeometricEnsemble(SubspaceTransformer initialModel, int cycles = 4, int cycleEpochs = 2,
        double learningRate1 = 0.05, double learningRate2 = 5e-4, string labelColumnName = "Label") =>
        FastGeometricEnsemble(initialModel, new FastGeometricEnsembleOptions
        {
            Cycles = cycles, CycleEpochs = cycleEpochs, LearningRate1 = learningRate1, LearningRate2 = learningRate2, LabelColumnName = labelColumnName,
        });

    /// <summary>Fast Geometric Ensembling from a fitted model, with all options (<c>Epochs</c> and <c>HiddenLayers</c> are not used).</summary>
    public FastGeometricEnsembleTrainer FastGeometricEnsemble(SubspaceTransformer initialModel, FastGeometricEnsembleOptions options) =>
        new(_context, options ?? throw new ArgumentNullException(nameof(options)), initialModel ?? throw new ArgumentNullException(nameof(initialModel)));

    /// <summary>
    /// Fast Geometric Ensembling that first trains a standard network for <c>options.Epochs</c> epochs, then runs
    /// the cycles.
    /// </summary>
    public FastGeometricEnsembleTrainer FastGeometricEnsemble(FastGeometricEnsembleOptions options) =>
        new(_context, options ?? throw new ArgumentNullException(nameof(options)), null);

    /// <summary>
    /// Snapshot Ensembles (Huang et al., 2017): one network trained with cosine annealing restarted at every cycle's start,
    /// the network at every cycle's end a member of the ensemble (the baseline FGE is compared with).
    /// </summary>
    public SnapshotEnsembleTrainer SnapshotEnsemble(SnapshotEnsembleOptions options) =>
        new(_context, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Snapshot Ensembles with <paramref name="cycles"/> members over the budget of <paramref name="epochs"/> (automatic when null).</summary>
    public SnapshotEnsembleTrainer SnapshotEnsemble(string labelColumnName = "Label", string featureColumnName = "Features", int cycles = 4,
        int? epochs = null, double? learningRate = null, int[]? hiddenLayers = null) =>
        SnapshotEnsemble(Fill(new SnapshotEnsembleOptions { Cycles = cycles }, labelColumnName, featureColumnName, null, epochs, learningRate, 128, hiddenLayers));

    /// <summary>
    /// Stochastic Weight Averaging: one network whose learning rate decays to <paramref name="swaLearningRate"/>,
    /// its weights averaged at the end of every epoch from <paramref name="swaStartEpoch"/> on.
    /// </summary>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Known-size float vector features column.</param>
    /// <param name="epochs">Passes over the data in total; default: automatic (see <see cref="TrainerOptionsBase.AutomaticEpochs(long, int, Microsoft.ML.Subspaces.Networks.NetworkOutput)"/>).</param>
    /// <param name="swaStartEpoch">First epoch averaged (1-based); default: three quarters of the epochs.</param>
    /// <param name="learningRate">Initial learning rate; default: the options' default.</param>
    /// <param name="swaLearningRate">Constant learning rate of the averaging phase.</param>
    /// <param name="hiddenLayers">Hidden layer widths; default { 512, 512 }.</param>
    public StochasticWeightAveragingTrainer StochasticWeightAveraging(string labelColumnName = "Label", string featureColumnName = "Features",
        int? epochs = null, int? swaStartEpoch = null, double? learningRate = null, double swaLearningRate = 0.01, int[]? hiddenLayers = null) =>
        StochasticWeightAveraging(Fill(new StochasticWeightAveragingOptions { SwaStartEpoch = swaStartEpoch, SwaLearningRate = swaLearningRate },
            labelColumnName, featureColumnName, null, epochs, learningRate, 128, hiddenLayers));

    /// <summary>Stochastic Weight Averaging, with all options.</summary>
    public StochasticWeightAveragingTrainer StochasticWeightAveraging(StochasticWeightAveragingOptions options) =>
        new(_context, options ?? throw new ArgumentNullException(nameof(options)));
}
