using Microsoft.ML.Subspaces.Networks;
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
    /// <summary>Bezier (default) or a polygonal chain.</summary>
    public CurveKind Kind { get; set; } = CurveKind.Bezier;

    /// <summary>
    /// Trained points between the two fixed ends, 1 to 16. Default 1 (Garipov et al.'s curve of 3 points); 3 gives their
    /// curve of 5 points. The bends start evenly spaced on the segment between the ends.
    /// </summary>
    public int Bends { get; set; } = 1;

    /// <summary>Fraction of the learning rate reached at the end of the decay. Default 0.01.</summary>
    public double FinalLearningRateFraction { get; set; } = 0.01;

    internal override TrainingSettings SettingsFor(int seed, long? rows = null, NetworkOutput output = NetworkOutput.Softmax) => base.SettingsFor(seed, rows, output) with
    {
        TrainablePoints = Enumerable.Range(1, Bends).ToArray(), // points 0 and Bends + 1 are the fixed ends
        WeightDecayMode = WeightDecayMode.MixedWeight,
    };

    internal override void Validate()
    {
        base.Validate();
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown curve kind; use Bezier or PolygonalChain.");
        if (Bends < 1 || Bends > 16) throw new ArgumentOutOfRangeException(nameof(Bends), Bends, "Bends must be between 1 and 16.");
        if (!(FinalLearningRateFraction > 0 && FinalLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FinalLearningRateFraction), FinalLearningRateFraction, "FinalLearningRateFraction must be in (0, 1].");
    }
}
