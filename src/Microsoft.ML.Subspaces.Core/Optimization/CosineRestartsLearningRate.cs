namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Cosine annealing with warm restarts, the schedule of Snapshot Ensembles (Huang et al., 2017; Loshchilov and Hutter,
/// 2017): within each cycle of <see cref="CycleSteps"/> steps the rate falls from <see cref="PeakRate"/> to nearly 0 as
/// <c>peak / 2 * (1 + cos(pi * (step mod cycle) / cycle))</c>, then jumps back. The network at the end of every cycle is
/// the one to collect. With <see cref="WarmupSteps"/>, the first cycle starts with a linear warm-up from 0 to the peak
/// and anneals over the rest of the cycle; later cycles restart at the peak directly, or, with
/// <see cref="WarmupEveryCycle"/>, warm up again from 0 at every restart.
/// </summary>
internal sealed class CosineRestartsLearningRate : LearningRateSchedule
{
    public CosineRestartsLearningRate(double peakRate, long cycleSteps, long warmupSteps = 0, bool warmupEveryCycle = false)
    {
        if (warmupSteps < 0 || (warmupSteps > 0 && warmupSteps >= cycleSteps))
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"The warm-up must be shorter than a cycle ({cycleSteps} steps).");
        if (!(peakRate > 0) || double.IsInfinity(peakRate)) throw new ArgumentOutOfRangeException(nameof(peakRate), peakRate, "The peak rate must be positive and finite.");
        if (cycleSteps < 1) throw new ArgumentOutOfRangeException(nameof(cycleSteps), cycleSteps, "A cycle needs at least one step.");
        PeakRate = peakRate;
        CycleSteps = cycleSteps;
        WarmupSteps = warmupSteps;
        WarmupEveryCycle = warmupEveryCycle;
    }

    /// <summary>True when every cycle, not only the first, starts with the warm-up.</summary>
    public bool WarmupEveryCycle { get; }

    /// <summary>Steps of linear warm-up at the start of the first cycle.</summary>
    public long WarmupSteps { get; }

    /// <summary>The rate at the start of every cycle.</summary>
    public double PeakRate { get; }

    /// <summary>Steps per cycle.</summary>
    public long CycleSteps { get; }

    /// <summary>True when the network after <paramref name="stepsDone"/> steps ends a cycle (a snapshot).</summary>
    public bool IsCycleEnd(long stepsDone) => stepsDone > 0 && stepsDone % CycleSteps == 0;

    /// <inheritdoc/>
    public override double At(long step, long totalSteps)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step cannot be negative.");
        long local = WarmupEveryCycle ? step % CycleSteps : step;
        if (local < WarmupSteps) return PeakRate * (local + 1) / WarmupSteps;
        double t = step < CycleSteps || WarmupEveryCycle
            ? (double)(local - WarmupSteps) / (CycleSteps - WarmupSteps)
            : (double)(step % CycleSteps) / CycleSteps;
        return 0.5 * PeakRate * (1 + Math.Cos(Math.PI * t));
    }
}
