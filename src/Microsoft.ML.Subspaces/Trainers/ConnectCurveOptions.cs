using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of <c>Trainers.ConnectCurve</c>: a curve between two fixed fitted networks (Garipov et al., 2018). Only
/// the bend (the middle point) is trained; the ends stay fixed; the architecture and the features column are the two
/// models'. <see cref="TrainerOptionsBase.WeightDecay"/> applies to the network at the sampled point <c>w(a)</c> (the
/// loss gets <c>0.5 * wd * |w(a)|^2</c>), not to the control points; the learning rate stays at
/// <see cref="TrainerOptionsBase.LearningRate"/> for half the epochs, then falls linearly to
/// <see cref="FinalLearningRateFraction"/> of it by 90% and stays there.
/// </summary>
public sealed class ConnectCurveOptions : TrainerOptionsBase
{
    /// <summary>Bezier (default) or a polygonal chain with one bend.</summary>
    public CurveKind Kind { get; set; } = CurveKind.Bezier;

    /// <summary>Fraction of the learning rate reached at the end of the decay. Default 0.01.</summary>
    public double FinalLearningRateFraction { get; set; } = 0.01;

    internal override TrainingSettings SettingsFor(int seed, long? rows = null) => base.SettingsFor(seed, rows) with
    {
        TrainablePoints = new[] { ConnectCurveTrainer.BendIndex },
        WeightDecayMode = WeightDecayMode.MixedWeight,
    };

    internal override void Validate()
    {
        base.Validate();
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown curve kind; use Bezier or PolygonalChain.");
        if (!(FinalLearningRateFraction > 0 && FinalLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FinalLearningRateFraction), FinalLearningRateFraction, "FinalLearningRateFraction must be in (0, 1].");
    }
}
