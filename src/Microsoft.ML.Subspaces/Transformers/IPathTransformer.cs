namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// A fitted model that is a one-dimensional family of networks, indexed by t in [0, 1]: a line or curve
/// subspace, a curve fitted between two models, a training-free connection, or the straight segment between
/// two models. Path evaluation (<c>mlContext.Subspaces().EvaluatePath</c>) walks it.
/// </summary>
public interface IPathTransformer
{
    /// <summary>
    /// The network at <paramref name="t"/> (t = 0 and t = 1 are the path's ends) as a standalone standard model with its
    /// own copy of the weights. <c>WithPoint(t)</c> on the implementing type predicts at t with shared weights instead.
    /// </summary>
    ScorerTransformer AtPoint(double t);
}
