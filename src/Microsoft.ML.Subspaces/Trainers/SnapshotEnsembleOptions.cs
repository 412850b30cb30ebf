using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of Snapshot Ensembles (Huang et al., 2017): one network trained for the budget of
/// <see cref="TrainerOptionsBase.Epochs"/> epochs (the automatic budget by default), split into <see cref="Cycles"/>
/// cycles of cosine annealing from <see cref="TrainerOptionsBase.LearningRate"/> (default for SGD: 0.1, see
/// <see cref="PeakLearningRate"/>) to nearly 0 with a restart at every
/// cycle's start; the network at the end of every cycle is a member of the ensemble. The first cycle begins with
/// <see cref="TrainerOptionsBase.WarmupEpochs"/> of linear warm-up (later cycles restart at the peak directly); set it to
/// 0 for the paper's schedule.
/// </summary>
public sealed class SnapshotEnsembleOptions : NeuralNetworkTrainerOptions
{
    /// <summary>Cycles, and so members of the ensemble. Default 4 (the paper's 6 over 300 epochs, scaled to budgets of 10-20).</summary>
    public int Cycles { get; set; } = 4;

    /// <summary>
    /// The rate every cycle starts from: <see cref="TrainerOptionsBase.LearningRate"/>, or by default 0.1 for SGD (twice the
    /// library's 0.05; Huang et al. restart at 0.1-0.2) and 0.001 for AdamW. Chosen on validation rows (the last 2,000 of
    /// MNIST-8k's training rows, two seeds, k cycles of B epochs at kB): restarting at 0.1 instead of 0.05 took the MLP's
    /// ensembles from 95.60 / 95.60 / 95.40% to 96.07 / 95.92 / 96.08% at 1B / 2B / 3B (one network: 95.78%) and the
    /// ConvNet's from 98.43 / 98.10 / 98.17% to 98.28 / 98.40 / 98.43% (one network: 98.28%): at 0.05 the restarts move
    /// the network too little for the snapshots to differ.
    /// </summary>
    public double PeakLearningRate => LearningRate ?? (Optimizer == OptimizerKind.AdamW ? 0.001 : 0.1);

    /// <summary>
    /// Start every cycle, not only the first, with the <see cref="TrainerOptionsBase.WarmupEpochs"/> of linear warm-up
    /// from 0 (Huang et al. restart at the peak directly). Default false: on a BatchNorm ConvNet's validation rows (MNIST,
    /// two seeds) it made the 2B and 3B ensembles worse, 98.28 / 98.20% against 98.40 / 98.43% (docs/budgets.md).
    /// </summary>
    public bool WarmupEveryCycle { get; set; }

    /// <summary>Receives a report at every snapshot, with the running ensemble's validation accuracy when a validation set is given.</summary>
    public IProgress<SnapshotProgress>? SnapshotProgress { get; set; }

    // The trainer builds its own schedule (warm-up inside the first cycle); the loop's warm-up setting is not used.
    internal override TrainingSettings SettingsFor(int seed, long? rows = null, NetworkOutput output = NetworkOutput.Softmax) => base.SettingsFor(seed, rows, output) with { WarmupEpochs = 0, LearningRate = PeakLearningRate };

    internal override void Validate()
    {
        base.Validate();
        if (Cycles < 1 || Cycles > 1024) throw new ArgumentOutOfRangeException(nameof(Cycles), Cycles, "Cycles must be in [1, 1024].");
        if (Epochs is int epochs && epochs < Cycles)
            throw new ArgumentOutOfRangeException(nameof(Cycles), Cycles, $"Cycles ({Cycles}) cannot exceed Epochs ({epochs}): every cycle needs at least one epoch.");
    }
}
