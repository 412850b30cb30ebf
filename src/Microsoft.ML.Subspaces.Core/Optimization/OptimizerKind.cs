namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>The optimizer that updates every point of a subspace.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum and L2 weight decay (the subspace paper's; default learning rate 0.05; a fused CPU kernel).</summary>
    Sgd,
    /// <summary>
    /// AdamW: per-point first and second moments (betas 0.9 and 0.999), decoupled weight decay; default learning rate
    /// 0.001. <c>Momentum</c> does not apply.
    /// </summary>
    AdamW,
}
