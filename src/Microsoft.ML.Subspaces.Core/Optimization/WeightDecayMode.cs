namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>Where L2 weight decay applies during training.</summary>
public enum WeightDecayMode
{
    /// <summary>On every trainable point: <c>d = g + wd * w_i</c> in the SGD step (the subspace paper).</summary>
    Points,

    /// <summary>
    /// On the network of the batch: the loss gets <c>0.5 * wd * |w(a)|^2</c>, so each point receives
    /// <c>c_i * wd * w(a)</c> through the mixing (curves between fixed networks, Garipov et al. 2018).
    /// </summary>
    MixedWeight,
}
