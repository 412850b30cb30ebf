namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Linear warm-up from <c>baseRate / warmupSteps</c> to <c>baseRate</c> over <c>warmupSteps</c>, then cosine
/// decay to zero over the remaining steps: the schedule of the subspace paper (5 warm-up epochs there;
/// none in the MNIST reference run).
/// </summary>
internal sealed class WarmupCosineSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public WarmupCosineSchedule(double baseRate, long warmupSteps)
    {
        if (!(baseRate > 0) || double.IsInfinity(baseRate))
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "The learning rate must be positive and finite.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "Warm-up steps cannot be negative.");
        BaseRate = baseRate;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The peak learning rate.</summary>
    public double BaseRate { get; }
    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public override double At(long step, long totalSteps)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        long decaySteps = Math.Max(1, totalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return BaseRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
