namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// The schedule of Garipov et al. (2018) and Izmailov et al. (2018): the base rate for the first
/// <see cref="HoldFraction"/> of a horizon, then a linear fall to <see cref="FinalRate"/> by
/// <see cref="EndFraction"/> of it, then constant. With progress <c>t = step / horizon</c>:
/// <c>t &lt;= 0.5: base; t &lt;= 0.9: base * (1 - (1 - r) (t - 0.5) / 0.4); else base * r</c>, r = final / base.
/// Curves between fixed networks use r = 0.01 over the whole run; SWA uses r = swaRate / base over the epochs
/// before averaging starts (and stays at the SWA rate after).
/// </summary>
internal sealed class HoldThenLinearDecaySchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="baseRate">Rate during the hold phase.</param>
    /// <param name="finalRate">Rate after the decay (at most <paramref name="baseRate"/>).</param>
    /// <param name="horizonSteps">Steps the fractions refer to; null: the run's total steps.</param>
    /// <param name="holdFraction">End of the hold phase, as a fraction of the horizon (default 0.5).</param>
    /// <param name="endFraction">End of the linear decay, as a fraction of the horizon (default 0.9).</param>
    public HoldThenLinearDecaySchedule(double baseRate, double finalRate, long? horizonSteps = null, double holdFraction = 0.5, double endFraction = 0.9)
    {
        if (!(baseRate > 0) || double.IsInfinity(baseRate))
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "The base learning rate must be positive and finite.");
        if (!(finalRate >= 0 && finalRate <= baseRate))
            throw new ArgumentOutOfRangeException(nameof(finalRate), finalRate, $"The final learning rate must be in [0, {baseRate}].");
        if (horizonSteps is < 1) throw new ArgumentOutOfRangeException(nameof(horizonSteps), horizonSteps, "The horizon must be at least one step.");
        if (!(holdFraction >= 0 && holdFraction < endFraction && endFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(holdFraction), holdFraction, "Need 0 <= holdFraction < endFraction <= 1.");
        BaseRate = baseRate;
        FinalRate = finalRate;
        HorizonSteps = horizonSteps;
        HoldFraction = holdFraction;
        EndFraction = endFraction;
    }

    /// <summary>Rate during the hold phase.</summary>
    public double BaseRate { get; }
    /// <summary>Rate after the decay.</summary>
    public double FinalRate { get; }
    /// <summary>Steps the fractions refer to (null: the run's total steps).</summary>
    public long? HorizonSteps { get; }
    /// <summary>End of the hold phase as a fraction of the horizon.</summary>
    public double HoldFraction { get; }
    /// <summary>End of the decay as a fraction of the horizon.</summary>
    public double EndFraction { get; }

    /// <inheritdoc/>
    public override double At(long step, long totalSteps)
    {
        double t = (double)step / Math.Max(1, HorizonSteps ?? totalSteps);
        if (t <= HoldFraction) return BaseRate;
        if (t >= EndFraction) return FinalRate;
        double progress = (t - HoldFraction) / (EndFraction - HoldFraction);
        return BaseRate + (FinalRate - BaseRate) * progress;
    }
}
