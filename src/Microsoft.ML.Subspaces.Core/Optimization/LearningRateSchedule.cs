namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>A learning rate as a function of the optimizer step. Pure math.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public abstract double At(long step, long totalSteps);
}
