namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>Hyper-parameters of one training run (free of ML.NET; the trainer options map onto this).</summary>
internal sealed record TrainingSettings
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 20;
    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>The optimizer of every point.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 0.05;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>L2 weight decay on every parameter of every point.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Epochs of linear warm-up before the cosine decay.</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>Weight of the cos^2 regularizer between a random pair of points.</summary>
    public double Beta { get; init; } = 1.0;
    /// <summary>Cosine similarity the points' weights start with (0: independent draws, as in the paper); see <c>SubspaceNetwork.CorrelatePoints</c>.</summary>
    public double InitialPointCosine { get; init; }
    /// <summary>Draw an independent point for every layer (layer-wise training).</summary>
    public bool LayerWise { get; init; }
    /// <summary>Label smoothing of the cross-entropy, in [0, 1).</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>Regression: Huber loss with this threshold (in standard deviations of the label); null for the squared error. Classification ignores it.</summary>
    public double? HuberDelta { get; init; }
    /// <summary>
    /// Multiply each point's share of the gradient by the number of points k, so that the shape's center (the mean of
    /// the points) takes the step a standard network takes at the same learning rate. Without it the center of a line
    /// learns at half the learning rate, a simplex of three at a third (coefficients sum to 1). Default false here;
    /// the subspace trainers turn it on.
    /// </summary>
    public bool CenterPreserving { get; init; }
    /// <summary>
    /// Stop when the center's temperature-scaled validation loss has not improved for this many epochs, and end with the
    /// weights of the best epoch (null, default: train every epoch). Needs validation data.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>
    /// With early stopping: how many times a plateau of <see cref="EarlyStoppingPatience"/> epochs, instead of stopping,
    /// returns to the best epoch's weights and divides the learning rate by 10 (default 0: the first plateau stops).
    /// </summary>
    public int EarlyStoppingLearningRateDrops { get; init; }
    /// <summary>Seed of initialization, shuffling and point sampling.</summary>
    public int Seed { get; init; }
    /// <summary>
    /// Indices of the points training updates; null (default): every point. The other points stay fixed bit for bit:
    /// their gradients are not applied and weight decay does not touch them (the fixed ends of a fitted curve).
    /// </summary>
    public IReadOnlyList<int>? TrainablePoints { get; init; }
    /// <summary>Where <see cref="WeightDecay"/> applies: to every point (default) or to the mixed weight of each batch.</summary>
    public WeightDecayMode WeightDecayMode { get; init; } = WeightDecayMode.Points;
    /// <summary>When set, train for exactly this many optimizer steps instead of <see cref="Epochs"/> whole epochs (the last epoch may be partial).</summary>
    public long? TotalSteps { get; init; }

    /// <summary>
    /// Where a checkpoint is written every <see cref="CheckpointFrequency"/> epochs and, when one of this run is there
    /// already, resumed from; null: no checkpoints.
    /// </summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Epochs between checkpoints (the last epoch always writes one).</summary>
    public int CheckpointFrequency { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive and finite.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be non-negative and finite.");
        if (!(WarmupEpochs >= 0 && WarmupEpochs <= Epochs)) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "WarmupEpochs must be in [0, Epochs].");
        if (!(Beta >= 0) || double.IsInfinity(Beta)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "Beta must be non-negative and finite.");
        if (!(InitialPointCosine >= 0 && InitialPointCosine < 1)) throw new ArgumentOutOfRangeException(nameof(InitialPointCosine), InitialPointCosine, "InitialPointCosine must be in [0, 1).");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 1).");
        if (TrainablePoints is { Count: 0 }) throw new ArgumentOutOfRangeException(nameof(TrainablePoints), "TrainablePoints cannot be empty; use null to train every point.");
        if (TrainablePoints is not null && TrainablePoints.Distinct().Count() != TrainablePoints.Count) throw new ArgumentException("TrainablePoints has duplicate indices.", nameof(TrainablePoints));
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Unknown optimizer.");
        if (!Enum.IsDefined(WeightDecayMode)) throw new ArgumentOutOfRangeException(nameof(WeightDecayMode), WeightDecayMode, "Unknown weight decay mode.");
        if (EarlyStoppingPatience is < 1) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be at least 1 (null turns early stopping off).");
        if (EarlyStoppingLearningRateDrops < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingLearningRateDrops), EarlyStoppingLearningRateDrops, "EarlyStoppingLearningRateDrops must be at least 0.");
        if (EarlyStoppingLearningRateDrops > 0 && EarlyStoppingPatience is null)
            throw new ArgumentException("EarlyStoppingLearningRateDrops acts on early stopping's plateaus: set EarlyStoppingPatience too.", nameof(EarlyStoppingLearningRateDrops));
        if (HuberDelta is double delta && !(delta > 0)) throw new ArgumentOutOfRangeException(nameof(HuberDelta), delta, "HuberDelta must be positive (TrainerOptionsBase.SquaredError for the squared error).");
        if (CheckpointFrequency < 1) throw new ArgumentOutOfRangeException(nameof(CheckpointFrequency), CheckpointFrequency, "CheckpointFrequency must be at least 1 epoch.");
        if (TotalSteps is < 1) throw new ArgumentOutOfRangeException(nameof(TotalSteps), TotalSteps, "TotalSteps must be at least 1.");
    }
}
