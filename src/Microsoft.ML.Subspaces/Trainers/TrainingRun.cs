using Microsoft.ML.Runtime;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// What every fit starts with: a host channel for MLContext.Log, the seed, the
/// device, and the training (and validation) data read once into tensors on that device, checked against the
/// models being continued when there are any.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    private TrainingRun(IChannel channel, int seed, Device device, TensorDataset train, TensorDataset? validation, LabelKeyValues labels, string featureColumnName,
        NetworkOutput output, double targetMean, double targetStd)
    {
        Output = output;
        TargetMean = targetMean;
        TargetStd = targetStd;
        Channel = channel;
        Seed = seed;
        Device = device;
        Train = train;
        Validation = validation;
        Labels = labels;
        FeatureColumnName = featureColumnName;
    }

    public IChannel Channel { get; }
    public int Seed { get; }
    public Device Device { get; }
    public TensorDataset Train { get; }
    public TensorDataset? Validation { get; }
    public LabelKeyValues Labels { get; }
    public string FeatureColumnName { get; }
    /// <summary>The streamed training data (ShuffleBufferRows), or null when the rows are in memory (<see cref="Train"/> holds all of them; streamed, a sample).</summary>
    public StreamedTrainingData? Streamed { get; private init; }

    /// <summary>Where the training loop takes its batches: the streamed data, or the rows in memory.</summary>
    public IBatchSource Batches => Streamed is not null ? Streamed : new InMemoryBatches(Train);

    /// <summary>Training rows in one epoch (all of them, also when streamed).</summary>
    public long TrainRows => Streamed?.Count ?? Train.Count;

    /// <summary>The task: what the networks' last layer predicts.</summary>
    public NetworkOutput Output { get; }
    /// <summary>Regression: mean and standard deviation of the training labels, which <see cref="Train"/> holds standardized.</summary>
    public double TargetMean { get; }
    /// <inheritdoc cref="TargetMean"/>
    public double TargetStd { get; }

    public void Info(string message) => Channel.Info(MessageSensitivity.None, message);

    /// <summary>
    /// Starts a run reading <paramref name="featureColumnName"/>. With <paramref name="model"/> (a fitted model being
    /// continued or connected), the data must match its feature size, class count and label key values.
    /// </summary>
    public static TrainingRun Start(MLContext context, string name, TrainerOptionsBase options, string featureColumnName, IDataView trainData,
        IDataView? validationData, ScorerTransformer? model = null, NetworkOutput output = NetworkOutput.Softmax)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var host = ((IHostEnvironment)context).Register("Subspaces." + name);
        int seed = options.Seed ?? host.Rand.Next();
        var channel = host.Start("Training");
        var owned = new List<IDisposable> { channel };
        try
        {
            var device = TorchDeviceResolver.Resolve(options.Device, context.GpuDeviceId, context.FallbackToCpu, msg => channel.Warning(MessageSensitivity.None, msg));
            if (options.NumberOfThreads is int threads) set_num_threads(threads); // checked by the options
            string features = featureColumnName;
            StreamedTrainingData? streamed = null;
            DataViewTensorReader.Result read;
            if (options is ShapeTrainerOptions { ShuffleBufferRows: int bufferRows })
            {
                // Streaming: the rows stay in the data view; a sample of them stands in for the training rows where the
                // run needs rows in memory (BatchNorm statistics, checks).
                if (validationData is null && options.ValidationFraction > 0)
                    throw new ArgumentException("ValidationFraction holds rows out of the training rows in memory; with ShuffleBufferRows (streaming), pass a ValidationSet instead.",
                        nameof(options.ValidationFraction));
                streamed = StreamedTrainingData.Read(trainData, features, options.LabelColumnName, options.ExampleWeightColumnName, output,
                    bufferRows, options.BatchNormSampleRows, seed);
                owned.Add(streamed);
                read = new DataViewTensorReader.Result(streamed.Sample, streamed.Skipped, 0);
            }
            else
            {
                read = DataViewTensorReader.Read(trainData, features, options.LabelColumnName, options.ExampleWeightColumnName, output: output);
                owned.Add(read.Data);
            }
            if (read.SkippedMissingLabels > 0)
                channel.Warning(MessageSensitivity.None, $"Skipped {read.SkippedMissingLabels} training rows whose label '{options.LabelColumnName}' is missing (key 0).");
            var labelColumn = trainData.Schema[options.LabelColumnName];
            var dataLabels = output == NetworkOutput.Softmax ? LabelKeyValues.FromColumn(labelColumn) : null;
            LabelKeyValues labels;
            if (model is not null && model.Output != output)
                throw new ArgumentException($"The model was trained for {model.Output} outputs; this trainer fits {output}.", nameof(trainData));
            if (model is not null)
            {
                if (read.Data.FeatureSize != model.FeatureSize)
                    throw new ArgumentException($"Features column '{features}' has {read.Data.FeatureSize} values; the model reads {model.FeatureSize}.", nameof(trainData));
                if (read.Data.ClassCount != model.ClassCount)
                    throw new ArgumentException($"Label column '{options.LabelColumnName}' has {read.Data.ClassCount} classes; the model predicts {model.ClassCount}.", nameof(trainData));
                if (dataLabels is not null && (dataLabels.TypeName != model.Labels.TypeName || !dataLabels.Values.SequenceEqual(model.Labels.Values)))
                    throw new ArgumentException($"Label column '{options.LabelColumnName}' maps keys to other values than the model's label did. " +
                                                "Use the key mapping the model was trained with.", nameof(trainData));
                labels = model.Labels;
            }
            else labels = dataLabels is { } kv && kv.Count == read.Data.ClassCount ? kv : LabelKeyValues.Ordinal(read.Data.ClassCount);
            if (output != NetworkOutput.Linear && options.HuberDelta is not null)
                throw new ArgumentException("HuberDelta applies to regression; leave it null for classification.", nameof(options.HuberDelta));
            if (output == NetworkOutput.Linear && options.LabelSmoothing > 0)
                throw new ArgumentOutOfRangeException(nameof(options.LabelSmoothing), options.LabelSmoothing, "LabelSmoothing applies to classification; set it to 0 for regression.");

            TensorDataset? validation = null;
            if (validationData is null && options.ValidationFraction > 0)
            {
                var (kept, heldOut) = HoldOut(read.Data, options.ValidationFraction, seed);
                owned.Add(kept);
                owned.Add(heldOut);
                read = read with { Data = kept };
                validation = heldOut.To(device);
                if (!ReferenceEquals(validation, heldOut)) owned.Add(validation);
            }
            else if (validationData is not null)
            {
                var v = DataViewTensorReader.Read(validationData, features, options.LabelColumnName, null, "validation", output);
                owned.Add(v.Data);
                if (v.Data.FeatureSize != read.Data.FeatureSize)
                    throw new ArgumentException($"The validation features column '{features}' has {v.Data.FeatureSize} values per row; the training rows have {read.Data.FeatureSize}.", nameof(validationData));
                if (v.Data.ClassCount != read.Data.ClassCount)
                    throw new ArgumentException($"The validation label '{options.LabelColumnName}' has {v.Data.ClassCount} classes; the training label has {read.Data.ClassCount}.", nameof(validationData));
                validation = v.Data.To(device);
                if (!ReferenceEquals(validation, v.Data)) owned.Add(validation);
            }
            var train = read.Data.To(device);
            if (!ReferenceEquals(train, read.Data)) owned.Add(train);
            var (targetMean, targetStd) = output == NetworkOutput.Linear
                ? streamed is null ? StandardizeTargets(train, validation) : StandardizeTargets(train, validation, streamed.LabelMean, streamed.LabelStd)
                : (0.0, 1.0);
            streamed?.StandardizeTargets(targetMean, targetStd);
            var run = new TrainingRun(channel, seed, device, train, validation, labels, features, output, targetMean, targetStd)
            {
                Streamed = streamed,
            };
            run._owned.AddRange(owned);
            return run;
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
            throw;
        }
    }

    /// <summary>
    /// Regression: the training labels' mean and standard deviation (1 for a constant label), and both label tensors
    /// standardized in place with them. The network learns the standardized label, and its spec un-standardizes its output,
    /// so that labels in any units (prices, years) train alike.
    /// </summary>
    private static (double Mean, double Std) StandardizeTargets(TensorDataset train, TensorDataset? validation, double? streamedMean = null, double? streamedStd = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = train.Labels.to_type(ScalarType.Float64);
        double mean = streamedMean ?? y.mean().item<double>();
        double std = streamedStd ?? y.Minus(mean).Squared().mean().sqrt().item<double>();
        if (!(std > 1e-12) || !double.IsFinite(std)) std = 1;
        train.Labels.Minus_(mean).DividedBy_(std);
        validation?.Labels.Minus_(mean).DividedBy_(std);
        return (mean, std);
    }

    /// <summary>
    /// <paramref name="spec"/> with the input standardization <see cref="NeuralNetworkTrainerOptions.StandardizeFeatures"/>
    /// asks for, fitted on this run's training rows: per feature for an MLP, per channel for an image network that was not
    /// given <see cref="NeuralNetworkTrainerOptions.ChannelMean"/>.
    /// </summary>
    private NetworkSpec Standardized(NetworkSpec spec, NeuralNetworkTrainerOptions options)
    {
        if (!options.StandardizeFeatures) return spec;
        if (!spec.IsImageNetwork)
        {
            var (mean, std) = Streamed?.Statistics.PerFeature() ?? FeatureStandardization.Fit(Train.Features);
            return spec with { FeatureMean = mean, FeatureStd = std };
        }
        if (spec.ChannelMean.Length > 0) return spec;
        var (channelMean, channelStd) = Streamed?.Statistics.PerChannel(spec.InputShape[0]) ?? FeatureStandardization.FitChannels(Train.Features, spec.InputShape[0]);
        return spec with { ChannelMean = channelMean, ChannelStd = channelStd };
    }

    /// <summary>
    /// Up to <paramref name="limit"/> training rows in a seeded random order, in CPU memory (saved with the model):
    /// the rows over which BatchNorm statistics are recomputed for each prediction point. Random, because batches of
    /// the recomputation must not follow a sorted data set.
    /// </summary>
    public Tensor BatchNormSample(int limit)
    {
        long n = Train.Count;
        var order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        new Random(unchecked(Seed * 31 + 17)).Shuffle(order);
        int count = (int)Math.Min(n, limit);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var index = tensor(order.AsSpan(0, count).ToArray()).to(Train.Features.device);
        return Train.Features.index_select(0, index).contiguous().cpu().MoveToOuterDisposeScope();
    }

    /// <summary>Splits <paramref name="data"/> into the rows kept for training and a seeded random <paramref name="fraction"/> held out (at least one row each).</summary>
    private static (TensorDataset Kept, TensorDataset HeldOut) HoldOut(TensorDataset data, double fraction, int seed)
    {
        long n = data.Count;
        if (n < 2) throw new ArgumentException($"ValidationFraction needs at least 2 training rows; there are {n}.", nameof(TrainerOptionsBase.ValidationFraction));
        long held = Math.Clamp((long)Math.Round(n * fraction), 1, n - 1);
        using var generator = new Generator(unchecked((ulong)seed * 7919 + 13), CPU);
        using var draw = randperm(n, generator: generator);
        using var order = draw.to(data.Features.device);
        TensorDataset Take(long start, long count)
        {
            using var index = order.narrow(0, start, count);
            return new TensorDataset(data.Features.index_select(0, index), data.Labels.index_select(0, index), data.ClassCount, data.Weights?.index_select(0, index));
        }
        return (Take(held, n - held), Take(0, held));
    }

    /// <summary>The training settings of <paramref name="options"/> for this run's seed and training rows.</summary>
    public TrainingSettings SettingsFor(TrainerOptionsBase options)
    {
        var settings = options.SettingsFor(Seed, TrainRows, Output);
        return settings with { HuberDelta = Output == NetworkOutput.Linear ? settings.HuberDelta : null };
    }

    /// <summary>Epochs of a fit on this run's training rows (the automatic budget depends on the task).</summary>
    public int EpochsFor(TrainerOptionsBase options) => options.EpochsFor(TrainRows, Output);

    /// <summary>
    /// A new single-network (one point) model of <paramref name="spec"/>, initialized with this run's seed, on its device,
    /// for trainers that drive one network through the loop themselves (SWA, SSE).
    /// </summary>
    public SubspaceNetwork NewSingleNetwork(NetworkSpec spec)
    {
        SubspaceNetwork network;
        using (var generator = new Generator((ulong)Seed, CPU))
            network = NetworkFactory.Create(spec.WithPointCount(1), generator);
        try
        {
            network.to(Device);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The network <paramref name="options"/> describe for this run's data (<paramref name="schema"/> gives image
    /// dimensions), with its input standardized on the training rows when the options ask for it.
    /// </summary>
    public NetworkSpec NetworkFor(NeuralNetworkTrainerOptions options, DataViewSchema schema) =>
        Standardized(options.SpecFor(schema, (int)Train.FeatureSize, Train.ClassCount), options)
            with { Output = Output, TargetMean = TargetMean, TargetStd = TargetStd };

    /// <summary>Batches in one pass over the training data.</summary>
    public int BatchesPerEpoch(int batchSize) => SubspaceTrainingLoop.BatchesPerEpoch(TrainRows, batchSize);

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
