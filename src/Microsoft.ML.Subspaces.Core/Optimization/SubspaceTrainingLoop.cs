using System.Diagnostics;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Shapes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Algorithm 1 of "Learning Neural Network Subspaces" (Wortsman et al., 2021): for every batch, sample a
/// point of the shape (or one per layer), run one forward and backward pass through the mixed weights so
/// that every point gets its share of the gradient, add <c>beta * cos^2(w_j, w_k)</c> for a random pair of
/// points, and take an SGD step. With <see cref="SinglePoint"/> it is plain SGD training: the baseline.
/// Free of ML.NET.
/// </summary>
internal sealed class SubspaceTrainingLoop
{
    private readonly SubspaceShape _shape;
    private readonly TrainingSettings _settings;

    /// <summary>Creates the loop for a shape and settings.</summary>
    public SubspaceTrainingLoop(SubspaceShape shape, TrainingSettings settings)
    {
        settings.Validate();
        _shape = shape;
        _settings = settings;
    }

    /// <summary>Receives per-batch and per-epoch progress.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Receives one line per epoch (and notices).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The learning-rate schedule; warm-up then cosine by default.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Called after every optimizer step with the number of steps done so far (1-based); the network holds the updated weights.</summary>
    public Action<long>? AfterStep { get; init; }

    /// <summary>Called at the end of every epoch (1-based), after the validation pass.</summary>
    public Action<int>? AfterEpoch { get; init; }

    /// <summary>Number of batches (optimizer steps) in one pass over <paramref name="rows"/> rows.</summary>
    public static int BatchesPerEpoch(long rows, int batchSize)
    {
        long size = Math.Min(batchSize, rows);
        return (int)((rows + size - 1) / size);
    }

    /// <summary>Augmentation of image batches (random crop, flip), or null.</summary>
    public ImageAugmentation? Augmentation { get; init; }

    /// <summary>
    /// Rows of training features over which BatchNorm statistics are recomputed for the center before validation
    /// accuracy is measured (networks with BatchNorm only); null: all training rows.
    /// </summary>
    public Tensor? BatchNormSample { get; init; }

    /// <summary>The per-epoch history of the last training run.</summary>
    public IReadOnlyList<EpochSummary> History => _history;
    private readonly List<EpochSummary> _history = new();

    /// <summary>
    /// Trains a new network of <paramref name="architecture"/> (its point count is set from the shape) on
    /// <paramref name="train"/>, which must already be on <paramref name="device"/>.
    /// </summary>
    public SubspaceNetwork Train(NetworkSpec architecture, TensorDataset train, Device device,
        TensorDataset? validation = null, CancellationToken cancellationToken = default) =>
        Train(architecture, new InMemoryBatches(train), device, validation, cancellationToken);

    /// <summary>Trains a new network of <paramref name="architecture"/> on the batches of <paramref name="train"/> (in memory or streamed).</summary>
    public SubspaceNetwork Train(NetworkSpec architecture, IBatchSource train, Device device,
        TensorDataset? validation = null, CancellationToken cancellationToken = default)
    {
        var spec = architecture.WithPointCount(_shape.PointCount);
        using var generator = new Generator((ulong)_settings.Seed, CPU);
        var network = NetworkFactory.Create(spec, generator);
        network.CorrelatePoints(_settings.InitialPointCosine, generator);
        network.to(device);
        try
        {
            Fit(network, train, validation, generator, cancellationToken);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains <paramref name="network"/> in place (continuing from its current weights, for example a fitted
    /// model or the points of a curve to bend) on <paramref name="train"/>, which must be on the network's device.
    /// Its point count must be the shape's.
    /// </summary>
    public void Train(SubspaceNetwork network, TensorDataset train, TensorDataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        if (network.PointCount != _shape.PointCount)
            throw new ArgumentException($"The network has {network.PointCount} points; a {_shape.Name} needs {_shape.PointCount}.", nameof(network));
        using var generator = new Generator((ulong)_settings.Seed, CPU);
        Fit(network, new InMemoryBatches(train), validation, generator, cancellationToken);
    }

    private void Fit(SubspaceNetwork network, IBatchSource train, TensorDataset? validation, Generator generator, CancellationToken token)
    {
        network.DropoutGenerator = generator; // masks from the fit's seeded stream (no draws when the rate is 0)
        try
        {
            // Convolutions' input gradients on the CPU come from a kernel that can be wrong (see ConvolutionGradientCheck).
            if (network.Device.type == DeviceType.CPU && network.SubspaceLayers.Any(layer => layer is SubspaceConv2d)
                && ConvolutionGradientCheck.Notice(ConvolutionGradientCheck.Ensure()) is string notice)
                Log?.Invoke(notice);
            FitEpochs(network, train, validation, generator, token);
        }
        finally
        {
            network.DropoutGenerator = null;
            network.ClearMixing(); // also when cancelled or diverged: the mixed buffers live outside every dispose scope
        }
    }

    private void FitEpochs(SubspaceNetwork network, IBatchSource train, TensorDataset? validation, Generator generator, CancellationToken token)
    {
        _history.Clear();
        var device = network.Device;
        long n = train.Count;
        int batchSize = (int)Math.Min(_settings.BatchSize, n);
        int batchesPerEpoch = BatchesPerEpoch(n, batchSize);
        long totalSteps = _settings.TotalSteps ?? (long)batchesPerEpoch * _settings.Epochs;
        int epochs = (int)((totalSteps + batchesPerEpoch - 1) / batchesPerEpoch);
        var schedule = Schedule ?? new WarmupCosineSchedule(_settings.LearningRate, (long)Math.Round(_settings.WarmupEpochs * batchesPerEpoch));
        int k = network.PointCount;
        var sampler = new PointSampler(_shape, network.SubspaceLayers.Count, k, _settings.LayerWise, regularize: _settings.Beta > 0, _settings.Seed);
        bool decayMixed = _settings.WeightDecayMode == WeightDecayMode.MixedWeight && _settings.WeightDecay > 0;
        if (validation is null && _settings.EarlyStoppingPatience is not null)
            throw new ArgumentException("Early stopping needs validation data: pass a validation set (or a held-out fraction of the training rows).", nameof(validation));
        using var best = new BestEpoch(network);

        using ISubspaceOptimizer optimizer = _settings.Optimizer == OptimizerKind.AdamW
            ? new SubspaceAdamW(network, decayMixed ? 0 : _settings.WeightDecay, _settings.TrainablePoints)
            : new SubspaceSgd(network, _settings.Momentum, decayMixed ? 0 : _settings.WeightDecay, _settings.TrainablePoints);
        optimizer.GradientScale = _settings.CenterPreserving ? k : 1;
        string fingerprint = FormattableString.Invariant(
            $"{_shape.Name}, {network.Spec.Describe()} ({network.Spec.Output}), {n} rows, batch {batchSize}, {totalSteps} steps, seed {_settings.Seed}, {_settings.Optimizer} lr {_settings.LearningRate}, beta {_settings.Beta}{(_settings.LayerWise ? ", layer-wise" : "")}{(_settings.InitialPointCosine > 0 ? $", initial cosine {_settings.InitialPointCosine}" : "")}{(_settings.EarlyStoppingLearningRateDrops > 0 ? $", {_settings.EarlyStoppingLearningRateDrops} learning-rate drops" : "")}");
        int firstEpoch = 1;
        long step = 0;
        var plateaus = new PlateauDrops();
        if (_settings.CheckpointDirectory is string resumeFrom && Resume(resumeFrom, fingerprint, network, optimizer, generator, sampler, best) is { } resumed)
        {
            firstEpoch = resumed.Finished ? epochs + 1 : resumed.Epoch + 1;
            step = resumed.Step;
            plateaus = new PlateauDrops(resumed.LearningRateDrops, resumed.LastDropEpoch);
            Log?.Invoke($"resumed from the checkpoint in '{resumeFrom}' after epoch {resumed.Epoch} ({step} steps){(resumed.Finished ? ", which had finished" : "")}");
        }
        network.train();
        var clock = Stopwatch.StartNew();
        for (int epoch = firstEpoch; epoch <= epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            double lr = 0;
            train.BeginEpoch(generator, device, batchSize);
            int batches = (int)Math.Min(batchesPerEpoch, totalSteps - step);
            try
            {
                for (int b = 0; b < batches; b++, step++)
                {
                    token.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    lr = schedule.At(step, totalSteps) * plateaus.Scale;
                    optimizer.LearningRate = lr;
                    var (x, y, w) = train.Next();
                    if (Augmentation is { IsActive: true }) x = Augmentation.Apply(x, generator);

                    // The point: one for the whole network, or one per layer.
                    var point = sampler.Current;
                    sampler.MixCurrent(network);

                    var logits = network.forward(x);
                    var loss = TaskLoss.Of(network.Spec.Output, logits, y, w, _settings.LabelSmoothing, _settings.HuberDelta);
                    loss.backward();
                    double batchLoss = loss.item<float>();
                    if (decayMixed) batchLoss += AddMixedWeightDecay(network, _settings.WeightDecay);
                    var terms = optimizer.CosineRegularizer(point.Pair, _settings.Beta);
                    if (terms is not null) batchLoss += terms.Value;
                    // The step writes the next batch's mix and sums its pair in the same pass over the weights.
                    var next = sampler.Advance();
                    optimizer.Step(terms, next.Coefficients, next.Pair);
                    if (!double.IsFinite(batchLoss))
                        throw new InvalidOperationException(
                            $"Training diverged: the loss became {batchLoss} in epoch {epoch}, batch {b + 1}. Lower LearningRate (now {_settings.LearningRate}).");
                    lossSum += batchLoss;
                    Progress?.Report(new TrainingProgress(epoch, epochs, b + 1, batchesPerEpoch, lossSum / (b + 1), lr, clock.Elapsed, false));
                    AfterStep?.Invoke(step + 1);
                }
            }
            finally
            {
                train.EndEpoch();
            }
            sampler.ClearMixing(network);
            ValidationScore? scores = validation is null ? null : Score(network, validation, _shape.Center, BatchNormSample ?? train.SampleFeatures);
            network.train();
            var summary = new EpochSummary(epoch, lossSum / batches, lr, epochClock.Elapsed.TotalSeconds, scores?.Accuracy, scores?.Loss, scores?.TemperatureScaledLoss);
            _history.Add(summary);
            Log?.Invoke($"epoch {epoch}/{epochs}: loss {summary.Loss:F4}, lr {lr:G3}, {summary.Seconds:F2}s" +
                        (scores is { } v ? $", validation accuracy at center {v.Accuracy:P2}, loss {v.Loss:F4} ({v.TemperatureScaledLoss:F4} temperature-scaled)" : ""));
            Progress?.Report(new TrainingProgress(epoch, epochs, batches, batchesPerEpoch, summary.Loss, lr, clock.Elapsed, true, scores?.Accuracy, scores?.Loss, scores?.TemperatureScaledLoss));
            AfterEpoch?.Invoke(epoch);
            bool stop = false;
            if (_settings.EarlyStoppingPatience is int patience && scores is { } center
                && !best.Offer(epoch, center.TemperatureScaledLoss) && epoch - Math.Max(best.Epoch, plateaus.LastDropEpoch) >= patience)
            {
                string plateau = $"after epoch {epoch}: the center's temperature-scaled validation loss has not improved on epoch {best.Epoch}'s {best.Loss:F4} for {patience} epochs";
                if (plateaus.Drops < _settings.EarlyStoppingLearningRateDrops)
                {
                    // A plateau at this learning rate: go back to the best weights and go on at a tenth of it.
                    best.Restore();
                    plateaus = plateaus.After(epoch);
                    Log?.Invoke($"{plateau}; back to epoch {best.Epoch}'s weights at {plateaus.Scale:G2} of the learning rate (drop {plateaus.Drops} of {_settings.EarlyStoppingLearningRateDrops})");
                }
                else
                {
                    Log?.Invoke($"early stopping {plateau}");
                    stop = true;
                }
            }
            if (_settings.CheckpointDirectory is string directory && (stop || epoch == epochs || epoch % _settings.CheckpointFrequency == 0))
                SaveCheckpoint(directory, fingerprint, epoch, stop || epoch == epochs, step, network, optimizer, generator, sampler, best, plateaus);
            if (stop) break;
        }
        if (best.Epoch > 0 && best.Epoch != _history.Count)
        {
            best.Restore();
            Log?.Invoke($"restored the weights of epoch {best.Epoch} (temperature-scaled validation loss at center {best.Loss:F4})");
        }
        ThrowIfNotFinite(network, train);
        network.eval();
    }

    /// <summary>The tensors a checkpoint holds, in a fixed order: the network's parameters and buffers, then the optimizer's state.</summary>
    private static List<Tensor> CheckpointTensors(SubspaceNetwork network, ISubspaceOptimizer optimizer) =>
        network.parameters().Cast<Tensor>().Concat(network.buffers()).Concat(optimizer.State).ToList();

    private void SaveCheckpoint(string directory, string fingerprint, int epoch, bool finished, long step, SubspaceNetwork network,
        ISubspaceOptimizer optimizer, Generator generator, PointSampler sampler, BestEpoch best, PlateauDrops plateaus)
    {
        using var state = generator.get_state();
        var tensors = CheckpointTensors(network, optimizer);
        tensors.Add(state);
        tensors.AddRange(best.Copy);
        var sums = (optimizer as SubspaceSgd)?.PendingPairSums;
        new TrainingCheckpoint
        {
            Fingerprint = fingerprint,
            Epoch = epoch,
            Finished = finished,
            Step = step,
            OptimizerSteps = optimizer.Steps,
            SamplerDraws = sampler.Draws,
            PairSums = sums?.Values,
            SumsPair = sums?.Pair,
            History = _history.ToArray(),
            BestEpoch = best.Epoch,
            BestLoss = best.Loss,
            LearningRateDrops = plateaus.Drops,
            LastDropEpoch = plateaus.LastDropEpoch,
        }.Save(directory, tensors);
    }

    /// <summary>Restores the state of a checkpoint of this run from <paramref name="directory"/>; null when there is none.</summary>
    private TrainingCheckpoint? Resume(string directory, string fingerprint, SubspaceNetwork network, ISubspaceOptimizer optimizer,
        Generator generator, PointSampler sampler, BestEpoch best)
    {
        var state = generator.get_state();
        try
        {
            var checkpoint = TrainingCheckpoint.Load(directory, fingerprint, c =>
            {
                var tensors = CheckpointTensors(network, optimizer);
                tensors.Add(state);
                tensors.AddRange(best.Prepare(c.BestEpoch, c.BestLoss));
                return tensors;
            });
            if (checkpoint is null) return null;
            generator.set_state(state);
            optimizer.Steps = checkpoint.OptimizerSteps;
            if (optimizer is SubspaceSgd sgd && checkpoint.PairSums is { } values && checkpoint.SumsPair is { } pair)
                sgd.PendingPairSums = (pair, values);
            sampler.Replay(checkpoint.SamplerDraws);
            _history.AddRange(checkpoint.History);
            return checkpoint;
        }
        finally
        {
            state.Dispose();
        }
    }

    /// <summary>
    /// The loss is checked before every step, so the last step (or a single one) could still leave weights whose scores
    /// are not finite (overflowing logits make every probability NaN): such a model must not be returned. Checks the
    /// weights, then the center's outputs on the first rows of the training data.
    /// </summary>
    private void ThrowIfNotFinite(SubspaceNetwork network, IBatchSource train)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool finite = network.SubspaceParameters.All(p => p.Points.isfinite().all().item<bool>());
        if (finite)
        {
            network.eval();
            network.Mix(_shape.Coefficients(_shape.Center));
            var rows = train.SampleFeatures;
            try { finite = network.forward(rows.narrow(0, 0, Math.Min(rows.shape[0], 256))).isfinite().all().item<bool>(); }
            finally { network.ClearMixing(); }
        }
        if (!finite)
            throw new InvalidOperationException(
                $"Training diverged: after the last optimizer step the network's weights or scores are not finite. Lower LearningRate (now {_settings.LearningRate}).");
    }

    /// <summary>
    /// Weight decay on the batch's network: adds <c>wd * w(a)</c> to the gradient of every mixed weight (so that
    /// <see cref="SubspaceNetwork.GatherGradients"/> hands each point <c>c_i * wd * w(a)</c>) and returns the
    /// term's value <c>0.5 * wd * |w(a)|^2</c>.
    /// </summary>
    internal static double AddMixedWeightDecay(SubspaceNetwork network, double weightDecay)
    {
        using var _ = no_grad();
        var squares = new List<Tensor>();
        foreach (var p in network.SubspaceParameters)
        {
            if (p.Mixed is not { } mixed) continue;
            if (mixed.grad is { } grad) grad.AddScaled_(mixed, weightDecay);
            else mixed.grad = mixed.Times(weightDecay).DetachFromDisposeScope();
            squares.Add(mixed.Squared().sum());
        }
        if (squares.Count == 0) return 0;
        return 0.5 * weightDecay * stack(squares).sum().to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>Validation scores of the network at <paramref name="position"/> on a data set (batched, no gradients).</summary>
    private ValidationScore Score(SubspaceNetwork network, TensorDataset data, double[] position, Tensor batchNormSample)
    {
        using var point = network.Materialize(_shape.Coefficients(position));
        point.RecomputeBatchNormStatistics(batchNormSample, _settings.BatchSize); // no-op without BatchNorm
        return ValidationScoring.Score(point, data);
    }

    /// <summary>Early stopping's learning-rate drops so far and the epoch of the last (0: none); each divides the rate by 10.</summary>
    private readonly record struct PlateauDrops(int Drops = 0, int LastDropEpoch = 0)
    {
        public double Scale => Math.Pow(0.1, Drops);
        public PlateauDrops After(int epoch) => new(Drops + 1, epoch);
    }
}
