using Microsoft.ML.Runtime;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// Training-free low-loss connections between two fitted networks (Anokhin and Yarotsky, "Low-loss connection of
/// weight vectors: distribution-based approaches", ICML 2020), reached through <c>mlContext.Subspaces().Connections</c>.
/// <para>
/// The API has one method per family, each a shorthand for <see cref="Connect"/> with <see cref="ConnectionOptions"/>:
/// <see cref="Linear"/>, <see cref="Arc"/>, <see cref="OptimalTransport"/> (then Linear or Arc) and
/// <see cref="WeightAdjusted"/> (Linear, Arc or OT, then least-squares weight adjustment). Each returns a
/// <see cref="PathTransformer"/>: t = 0 is the first model and t = 1 the second, exactly; evaluate it with
/// <c>mlContext.Subspaces().EvaluatePath(path, data, 61)</c>.
/// </para>
/// <para>
/// Supported: multilayer perceptrons (the networks of this library's trainers) with at least one hidden layer, the
/// two of the same architecture, each predicting with one network (a standard model, or a subspace model after
/// <c>WithPoint</c>). A hidden neuron is the vector of its incoming weights, its bias and its outgoing weights.
/// Every layer moves at once by default; <see cref="ConnectionOptions.LayerByLayer"/> connects one hidden layer at a
/// time through intermediate networks instead (as weight adjustment always does), t split evenly between the layers.
/// </para>
/// </summary>
public sealed partial class ConnectionsCatalog
{
    private readonly MLContext _context;

    internal ConnectionsCatalog(MLContext context) => _context = context;

    /// <summary>The straight segment <c>(1 - t) A + t B</c> between the two networks' weights, every layer at once: the baseline.</summary>
    /// <param name="a">The first model (t = 0).</param>
    /// <param name="b">The second model (t = 1), of the same architecture.</param>
    public PathTransformer Linear(SubspaceTransformer a, SubspaceTransformer b) =>
        Connect(a, b, new ConnectionOptions { Kind = ConnectionKind.Linear });

    /// <summary>
    /// The arc <c>mu + cos(pi t / 2)(A - mu) + sin(pi t / 2)(B - mu)</c> over every parameter at once, row by row, with
    /// <c>mu</c> the mean of the rows of both networks pooled, for each group of rows: the incoming weights and bias of
    /// each hidden layer's neurons (the last hidden layer's with their outgoing weights) and the output bias. It keeps
    /// the rows' mean and covariance where the segment shrinks them.
    /// </summary>
    /// <param name="a">The first model (t = 0).</param>
    /// <param name="b">The second model (t = 1), of the same architecture.</param>
    public PathTransformer Arc(SubspaceTransformer a, SubspaceTransformer b) =>
        Connect(a, b, new ConnectionOptions { Kind = ConnectionKind.Arc });

    /// <summary>
    /// Optimal transport: reorders the second network's hidden neurons to the exact minimum-cost matching with the
    /// first's (squared Euclidean distances between neuron vectors; the function of the second network is
    /// unchanged), connects by <paramref name="kind"/>, then swaps the neurons back pair by pair to reach the second
    /// network's own weights (see <see cref="ConnectionOptions.OptimalTransport"/>).
    /// </summary>
    /// <param name="a">The first model (t = 0).</param>
    /// <param name="b">The second model (t = 1), of the same architecture.</param>
    /// <param name="kind">Linear (default) or Arc, after matching.</param>
    public PathTransformer OptimalTransport(SubspaceTransformer a, SubspaceTransformer b, ConnectionKind kind = ConnectionKind.Linear) =>
        Connect(a, b, new ConnectionOptions { Kind = kind, OptimalTransport = true });

    /// <summary>
    /// Weight adjustment: interpolates each layer's incoming weights by <paramref name="kind"/> (after optimal
    /// transport when <paramref name="optimalTransport"/> is true) and, at every point, re-solves the next layer by
    /// least squares so that its pre-activations on <paramref name="trainingData"/> stay as close as possible to
    /// the first network's; finally interpolates the output layer. "Linear+WA", "Arc+WA", "OT+Linear+WA" (the
    /// paper's OT+WA).
    /// </summary>
    /// <param name="a">The first model (t = 0).</param>
    /// <param name="b">The second model (t = 1), of the same architecture.</param>
    /// <param name="trainingData">Training inputs: the features column is read (labels are not needed), up to 10,000 rows.</param>
    /// <param name="kind">Linear (default) or Arc.</param>
    /// <param name="optimalTransport">Match the neurons by optimal transport first.</param>
    public PathTransformer WeightAdjusted(SubspaceTransformer a, SubspaceTransformer b, IDataView trainingData,
        ConnectionKind kind = ConnectionKind.Linear, bool optimalTransport = false)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        return Connect(a, b, new ConnectionOptions { Kind = kind, OptimalTransport = optimalTransport, WeightAdjustment = true, TrainingData = trainingData });
    }

    /// <summary>Builds the connection described by <paramref name="options"/> between <paramref name="a"/> (t = 0) and <paramref name="b"/> (t = 1).</summary>
    /// <exception cref="ArgumentException">
    /// The models differ in architecture (the message names what differs), labels or features column; a model predicts
    /// with an ensemble; weight adjustment without training data; bad options.
    /// </exception>
    /// <exception cref="NotSupportedException">A model's network is not a multilayer perceptron with a hidden layer.</exception>
    public PathTransformer Connect(SubspaceTransformer a, SubspaceTransformer b, ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(options);
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        if (!Enum.IsDefined(options.Kind)) throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown ConnectionOptions.Kind.");
        if (options.MaxSampleRows < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxSampleRows, "ConnectionOptions.MaxSampleRows must be at least 1.");
        if (!(options.PredictionPoint >= 0 && options.PredictionPoint <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.PredictionPoint, "ConnectionOptions.PredictionPoint must be in [0, 1].");
        if (options.WeightAdjustment && options.TrainingData is null)
            throw new ArgumentException("Weight adjustment re-solves layers on training inputs: set ConnectionOptions.TrainingData.", nameof(options));
        if (options.Repair && options.TrainingData is null)
            throw new ArgumentException("REPAIR renormalizes neurons on training inputs: set ConnectionOptions.TrainingData.", nameof(options));
        if (options.Repair && (options.WeightAdjustment || options.LayerByLayer))
            throw new ArgumentException("ConnectionOptions.Repair works on the path that moves every layer at once: it cannot be combined with " +
                                        (options.WeightAdjustment ? "WeightAdjustment." : "LayerByLayer."), nameof(options));
        if (options.WeightMatching && (options.OptimalTransport || options.WeightAdjustment || options.LayerByLayer))
            throw new ArgumentException("ConnectionOptions.WeightMatching aligns every layer at once for the path that moves every layer at once: it cannot be combined with " +
                                        (options.OptimalTransport ? "OptimalTransport." : options.WeightAdjustment ? "WeightAdjustment." : "LayerByLayer."), nameof(options));

        var mlpA = ConnectableModels.SingleMlp(a, nameof(a));
        var mlpB = ConnectableModels.SingleMlp(b, nameof(b));
        ConnectableModels.CheckSameArchitecture(a.Network, b.Network);
        ConnectableModels.CheckSameClasses(a, b);
        if (a.FeatureColumnName != b.FeatureColumnName)
            throw new ArgumentException($"The models read different features columns: a reads '{a.FeatureColumnName}', b reads '{b.FeatureColumnName}'.", nameof(b));

        var spec = a.Network.WithPointCount(1);
        bool needsSample = options.TrainingData is not null && (options.WeightAdjustment || options.Repair || (options.LayerByLayer && spec.HiddenSizes.Length > 1));
        // Drawn only when used, so that a connection that needs no randomness leaves the context's generator as it was.
        int seed = options.Seed ?? (needsSample || options.WeightMatching ? ((IHostEnvironment)_context).Register("Subspaces.Connections").Rand.Next() : 0);
        Tensor? sample = null;
        if (needsSample)
        {
            using var raw = FeatureSample.Read(options.TrainingData!, options.FeatureColumnName ?? a.FeatureColumnName, spec.InputSize, options.MaxSampleRows, seed, options.CancellationToken);
            sample = FeatureStandardization.Apply(spec, raw); // the networks' first layer sees standardized features
        }
        var weightsA = MlpWeights.FromNetwork(mlpA, a.Shape.Coefficients(a.Positions[0]));
        var weightsB = MlpWeights.FromNetwork(mlpB, b.Shape.Coefficients(b.Positions[0]));
        var method = new ConnectionMethod(options.Kind, options.OptimalTransport, options.WeightAdjustment, options.LayerByLayer || options.WeightAdjustment,
            options.WeightMatching, options.Repair);
        ConnectionPath path;
        try
        {
            path = ConnectionPathBuilder.Build(spec, weightsA, weightsB, method, sample, options.CancellationToken, seed);
        }
        catch
        {
            foreach (var t in weightsA.Tensors.Concat(weightsB.Tensors)) t.Dispose();
            sample?.Dispose();
            throw;
        }
        if (sample is not null && !ReferenceEquals(path.Sample, sample)) sample.Dispose();
        return new PathTransformer(new SharedPath(path, mlpA.Device), options.PredictionPoint, a.FeatureColumnName, a.Labels);
    }

    /// <summary>
    /// Optimal transport for convolutional networks, filters as neurons: a copy of <paramref name="b"/> whose channels are
    /// reordered, block by block from the input up, to the exact minimum-cost matching with <paramref name="a"/>'s (squared
    /// distances between a filter's incoming weights with its BatchNorm scale and shift). Each channel takes its BatchNorm
    /// parameters and statistics and its slice of the next layer's input along, so the copy predicts as
    /// <paramref name="b"/> does. Connect the two afterwards: <c>mlContext.Subspaces().Segment(a, aligned)</c> is OT+Linear
    /// with BatchNorm statistics recomputed at every point; <c>Trainers.ConnectCurve(a, aligned)</c> learns a curve.
    /// </summary>
    /// <param name="a">The reference ConvNet (a single network).</param>
    /// <param name="b">The ConvNet to reorder, of the same architecture.</param>
    /// <exception cref="NotSupportedException">The models are not the library's ConvNet (for MLPs use <see cref="OptimalTransport"/>).</exception>
    public SubspaceTransformer AlignChannels(SubspaceTransformer a, SubspaceTransformer b)
    {
        var (networkA, networkB) = Trainers.FittedNetworks.Ends(a, b);
        try
        {
            if (networkA is not SubspaceConvNet convA || networkB is not SubspaceConvNet convB)
                throw new NotSupportedException($"AlignChannels reorders the channels of the library's ConvNet; these models are {a.Network.KindName} networks. " +
                                                "For multilayer perceptrons, OptimalTransport and ConnectionOptions.WeightMatching align hidden neurons.");
            ConvNetAlignment.AlignChannels(convA, convB);
            var sample = b.Weights.BatchNormSample?.clone().DetachFromDisposeScope();
            var aligned = new SubspaceTransformer(new SharedNetwork(networkB, sample, b.Weights.BatchNormBatchSize), Shapes.SinglePoint.Instance,
                b.FeatureColumnName, b.Labels, new[] { Shapes.SinglePoint.Instance.Center }, "the network, channels aligned to another", Array.Empty<Optimization.EpochSummary>());
            networkB = null!; // owned by the aligned model now
            return aligned;
        }
        finally
        {
            networkA.Dispose();
            networkB?.Dispose();
        }
    }

    /// <summary>
    /// Weight adjustment between two of the library's ConvNets, filters as neurons ("OT+Linear+WA", or "Linear+WA" without
    /// optimal transport): the channels of <paramref name="b"/> are first aligned to <paramref name="a"/>'s as
    /// <see cref="AlignChannels"/> does; then, block by block from the input up, the block's filters and BatchNorm scale
    /// and shift move linearly to the second network's while the layer after the block (the next convolution, or the
    /// classifier) is re-solved at every point by least squares on <paramref name="trainingData"/>, so that its output
    /// stays as close as possible to the first network's; finally the classifier moves. BatchNorm statistics are
    /// recomputed at every point over the rows the first model kept for that purpose. Evaluate it with
    /// <c>mlContext.Subspaces().EvaluatePath(connection, data, 61)</c>.
    /// </summary>
    /// <param name="a">The first ConvNet (t = 0), a single network trained with BatchNorm statistics kept.</param>
    /// <param name="b">The second ConvNet (t = 1), of the same architecture.</param>
    /// <param name="trainingData">Training inputs: the features column is read (labels are not needed), up to <paramref name="maxSampleRows"/> rows.</param>
    /// <param name="optimalTransport">Align the second network's channels to the first's before connecting (default true).</param>
    /// <param name="maxSampleRows">Training rows the layers are re-solved on (a random subset, seeded, of larger data).
    /// The classifier's least squares has one unknown per flattened feature: give it several times as many rows.</param>
    /// <param name="seed">Seed of the subset; drawn from the context when null.</param>
    /// <exception cref="NotSupportedException">The models are not the library's ConvNet.</exception>
    /// <exception cref="ArgumentException">The models differ (the message names what), a model predicts with an ensemble, or neither kept BatchNorm rows.</exception>
    public ConvNetConnection WeightAdjustedConvNets(SubspaceTransformer a, SubspaceTransformer b, IDataView trainingData, bool optimalTransport = true,
        int maxSampleRows = 10_000, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        if (maxSampleRows < 1) throw new ArgumentOutOfRangeException(nameof(maxSampleRows), maxSampleRows, "maxSampleRows must be at least 1.");
        var (networkA, networkB) = Trainers.FittedNetworks.Ends(a, b);
        Tensor? sample = null, batchNormSample = null;
        try
        {
            if (networkA is not SubspaceConvNet convA || networkB is not SubspaceConvNet convB)
                throw new NotSupportedException($"WeightAdjustedConvNets connects the library's ConvNets; these models are {a.Network.KindName} networks. " +
                                                "For multilayer perceptrons use WeightAdjusted.");
            var keptRows = a.Weights.BatchNormSample ?? b.Weights.BatchNormSample
                ?? throw new ArgumentException("Neither model kept training rows for BatchNorm statistics (a model loaded from an old file?); retrain it.", nameof(a));
            batchNormSample = keptRows.clone().DetachFromDisposeScope();
            int drawn = seed ?? ((IHostEnvironment)_context).Register("Subspaces.Connections").Rand.Next();
            using (var read = FeatureSample.Read(trainingData, a.FeatureColumnName, a.Network.InputSize, maxSampleRows, drawn))
                sample = read.to_type(ScalarType.Float32).to(convA.Device).DetachFromDisposeScope(); // the networks' own precision and device
            if (optimalTransport) ConvNetAlignment.AlignChannels(convA, convB);
            var path = new ConvNetWeightAdjustedPath(convA, convB, sample, batchNormSample, a.Weights.BatchNormBatchSize);
            return new ConvNetConnection(path, optimalTransport ? "OT+Linear+WA" : "Linear+WA", a.FeatureColumnName, a.Labels);
        }
        catch
        {
            // Until the path is built, the networks and rows are ours.
            networkA.Dispose();
            networkB.Dispose();
            sample?.Dispose();
            batchNormSample?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A WA-ensemble (Anokhin and Yarotsky, 2020, section 6): the models share the first model's lower layers as a common
    /// backbone, each keeping its own last <paramref name="headLayers"/> layers, the first of which is re-solved by least
    /// squares on <paramref name="trainingData"/> to read the backbone's features instead of its own. The first model is
    /// a member as it is. Only the heads differ, so the ensemble has the parameters of one backbone and m heads (see
    /// <see cref="WeightAdjustedEnsembleParameters"/>); it predicts with the mean of its members' probabilities.
    /// </summary>
    /// <param name="models">Single-network MLPs of one architecture, trained on the same rows; the first gives the backbone.</param>
    /// <param name="trainingData">Training inputs (the features column is read, up to 10,000 rows, seeded from the context).</param>
    /// <param name="headLayers">Linear layers per head: 1 (only the output layer, the paper's WA(1)) up to the number of hidden layers.</param>
    /// <exception cref="ArgumentException">No models, models that differ (the message names what), or an ensemble as a model.</exception>
    public EnsembleTransformer WeightAdjustedEnsemble(IReadOnlyList<SubspaceTransformer> models, IDataView trainingData, int headLayers = 1)
        => WeightAdjustedEnsembleFactory.Build(models, trainingData, headLayers,
            ((IHostEnvironment)_context).Register("Subspaces.WeightAdjustedEnsemble").Rand.Next());

    /// <summary>
    /// The distinct parameters of a WA-ensemble of <paramref name="members"/> networks of <paramref name="model"/>'s
    /// architecture with <paramref name="headLayers"/>-layer heads: one backbone and one head per member.
    /// </summary>
    public static long WeightAdjustedEnsembleParameters(SubspaceTransformer model, int members, int headLayers)
        => WeightAdjustedEnsembleFactory.Parameters(model, members, headLayers);
}
