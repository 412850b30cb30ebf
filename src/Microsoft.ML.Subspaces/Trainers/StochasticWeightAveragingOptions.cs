namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of Stochastic Weight Averaging (Izmailov et al., 2018): a network of these options (any architecture;
/// BatchNorm statistics are recomputed for the average) trained for
/// <see cref="TrainerOptionsBase.Epochs"/> epochs whose learning rate stays at
/// <see cref="TrainerOptionsBase.LearningRate"/> for the first half of the epochs before
/// <see cref="SwaStartEpoch"/>, falls linearly to <see cref="SwaLearningRate"/> by 90% of them and stays there; the
/// weights at the end of every epoch from <see cref="SwaStartEpoch"/> on are averaged.
/// </summary>
public sealed class StochasticWeightAveragingOptions : NeuralNetworkTrainerOptions
{
    /// <summary>
    /// The first (1-based) epoch whose final weights enter the average; the average covers epochs
    /// <c>SwaStartEpoch..Epochs</c>. Default null: three quarters of <see cref="TrainerOptionsBase.Epochs"/> (rounded up).
    /// </summary>
    public int? SwaStartEpoch { get; set; }

    /// <summary>The constant learning rate of the averaging phase. Default 0.01.</summary>
    public double SwaLearningRate { get; set; } = 0.01;

    internal override void Validate()
    {
        base.Validate();
        if (SwaStartEpoch is int first && (first < 1 || Epochs is int epochs && first > epochs))
            throw new ArgumentOutOfRangeException(nameof(SwaStartEpoch), first, $"SwaStartEpoch must be in [1, Epochs = {Epochs}].");
        if (!(SwaLearningRate > 0 && SwaLearningRate <= EffectiveLearningRate))
            throw new ArgumentOutOfRangeException(nameof(SwaLearningRate), SwaLearningRate, $"SwaLearningRate must be positive and at most the learning rate ({EffectiveLearningRate}).");
    }

    internal int StartEpochOf(int epochs) => SwaStartEpoch ?? Math.Max(1, (int)Math.Ceiling(0.75 * epochs));
}
