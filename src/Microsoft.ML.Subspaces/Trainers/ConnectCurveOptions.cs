using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Options of <c>Trainers.ConnectCurve</c>: a curve between two fixed fitted networks (Garipov et al., 2018). Only
/// the bend (the middle point) is trained; the ends stay fixed. The architecture and the features column come from
/// the two models, so <see cref="NeuralNetworkTrainerOptions.HiddenLayers"/> and
/// <see cref="NeuralNetworkTrainerOptions.FeatureColumnName"/> are not used. <see cref="NeuralNetworkTrainerOptions.WeightDecay"/>
/// applies to the network at the sampled point <c>w(a)</c> (the loss gets <c>0.5 * wd * |w(a)|^2</c>), not to the
/// control points; the learning rate stays at <see cref="NeuralNetworkTrainerOptions.LearningRate"/> for half the
/// epochs, then falls linearly to 1% of it by 90% and stays there.
/// </summary>
public sealed class ConnectCurveOptions : NeuralNetworkTrainerOptions
{
    /// <summary>Bezier (default) or a polygonal chain with one bend.</summary>
    public CurveKind Kind { get; set; } = CurveKind.Bezier;

    /// <summary>Fraction of the learning rate reached at the end of the decay. Default 0.01.</summary>
    public double FinalLearningRateFraction { get; set; } = 0.01;
}
