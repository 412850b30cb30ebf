using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of Fast Geometric Ensembling (Garipov et al., 2018). Starting from a fitted model (whose network and features
/// column are used: setting a network option then is an error naming it), or from a network of these options trained first for
/// <see cref="TrainerOptionsBase.Epochs"/> epochs (with <see cref="TrainerOptionsBase.LearningRate"/> and the standard
/// schedule), training runs
/// <see cref="Cycles"/> cycles of the cyclic learning rate between <see cref="LearningRate1"/> and
/// <see cref="LearningRate2"/> and collects the network at the low point of every cycle. The run stops at the
/// last low point: the cycling phase takes <c>(Cycles - 1/2)</c> cycle lengths.
/// </summary>
public sealed class FastGeometricEnsembleOptions : NeuralNetworkTrainerOptions
{
    /// <summary>Number of cycles, and so of snapshots in the ensemble. Default 4.</summary>
    public int Cycles { get; set; } = 4;

    /// <summary>Cycle length in epochs; even (the low point falls on an epoch's end). Default 2. Ignored when <see cref="CycleIterations"/> is set.</summary>
    public int CycleEpochs { get; set; } = 2;

    /// <summary>Cycle length in optimizer steps (batches); even. Default null: use <see cref="CycleEpochs"/>.</summary>
    public int? CycleIterations { get; set; }

    /// <summary>
    /// The high learning rate lr1, at the start and end of every cycle. Default 0.05 (the reference recipe). It must be
    /// large enough to move the network out of its starting basin: from a network trained to a near-zero training loss
    /// (an MLP on a few thousand MNIST rows), 0.05 leaves every snapshot almost identical to the start, while 0.3 with
    /// 4-epoch cycles gives diverse snapshots and a better ensemble (see the <c>curves</c> sample).
    /// </summary>
    public double LearningRate1 { get; set; } = 0.05;

    /// <summary>The low learning rate lr2, at the middle of every cycle where snapshots are taken. Default 5e-4.</summary>
    public double LearningRate2 { get; set; } = 5e-4;

    /// <summary>Receives a report at every snapshot, with the running ensemble's validation accuracy when a validation set is given.</summary>
    public IProgress<SnapshotProgress>? SnapshotProgress { get; set; }

    internal override void Validate()
    {
        base.Validate();
        if (Cycles < 1) throw new ArgumentOutOfRangeException(nameof(Cycles), Cycles, "Cycles must be at least 1.");
        if (CycleIterations is int iterations)
        {
            if (iterations < 2 || iterations % 2 != 0)
                throw new ArgumentOutOfRangeException(nameof(CycleIterations), iterations, "CycleIterations must be even and at least 2.");
        }
        else if (CycleEpochs < 2 || CycleEpochs % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(CycleEpochs), CycleEpochs, "CycleEpochs must be even and at least 2 (the low point is the cycle's middle).");
        _ = new CyclicLearningRate(LearningRate1, LearningRate2, 2); // validates lr1 and lr2
    }
}
