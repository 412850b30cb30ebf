namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// The piecewise-linear cyclic schedule of Fast Geometric Ensembling (Garipov et al., 2018). With
/// <c>t = (step mod cycle) / cycle</c> in [0, 1): <c>t &lt; 0.5: lr1 (1 - 2t) + lr2 2t</c>, else
/// <c>lr1 (2t - 1) + lr2 (2 - 2t)</c>. The rate falls from lr1 to lr2 over the first half of every cycle and
/// climbs back over the second; the network at the low point (after <c>cycle / 2</c> steps of a cycle) is the
/// one to collect.
/// </summary>
public sealed class CyclicLearningRate : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="rate1">The high rate lr1 at the start (and end) of each cycle.</param>
    /// <param name="rate2">The low rate lr2 at the middle of each cycle.</param>
    /// <param name="cycleSteps">Optimizer steps per cycle; even, at least 2.</param>
    public CyclicLearningRate(double rate1, double rate2, long cycleSteps)
    {
        if (!(rate1 > 0) || double.IsInfinity(rate1)) throw new ArgumentOutOfRangeException(nameof(rate1), rate1, "lr1 must be positive and finite.");
        if (!(rate2 > 0) || double.IsInfinity(rate2)) throw new ArgumentOutOfRangeException(nameof(rate2), rate2, "lr2 must be positive and finite.");
        if (cycleSteps < 2 || cycleSteps % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(cycleSteps), cycleSteps, "The cycle length must be even and at least 2, so that its low point falls on a step.");
        Rate1 = rate1;
        Rate2 = rate2;
        CycleSteps = cycleSteps;
    }

    /// <summary>The high rate lr1.</summary>
    public double Rate1 { get; }
    /// <summary>The low rate lr2.</summary>
    public double Rate2 { get; }
    /// <summary>Steps per cycle.</summary>
    public long CycleSteps { get; }

    /// <summary>True when the network after <paramref name="stepsDone"/> steps is at a cycle's low point (a snapshot).</summary>
    public bool IsLowPoint(long stepsDone) => stepsDone > 0 && stepsDone % CycleSteps == CycleSteps / 2;

    /// <summary>Steps needed to reach the low point of cycle <paramref name="cycles"/>: <c>(cycles - 1/2) * cycle</c>.</summary>
    public long StepsForSnapshots(int cycles)
    {
        if (cycles < 1) throw new ArgumentOutOfRangeException(nameof(cycles), cycles, "Need at least one cycle.");
        return cycles * CycleSteps - CycleSteps / 2;
    }

    /// <inheritdoc/>
    public override double At(long step, long totalSteps)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step cannot be negative.");
        double t = (double)(step % CycleSteps) / CycleSteps;
        return t < 0.5
            ? Rate1 * (1 - 2 * t) + Rate2 * 2 * t
            : Rate1 * (2 * t - 1) + Rate2 * (2 - 2 * t);
    }
}
