namespace Microsoft.ML.Subspaces.Connections;

/// <summary>How a connection moves each neuron from its position in the first network to its position in the second.</summary>
public enum ConnectionKind
{
    /// <summary>The straight segment <c>(1 - t) A + t B</c>, neuron by neuron.</summary>
    Linear,

    /// <summary>
    /// The arc <c>mu + cos(pi t / 2)(A - mu) + sin(pi t / 2)(B - mu)</c>, neuron by neuron, with <c>mu</c> the mean
    /// of the neurons of both networks pooled. When the two networks' neurons are independent draws from one
    /// distribution, every point of the arc has that distribution's mean and covariance (the straight segment
    /// shrinks the covariance, by half at its midpoint).
    /// </summary>
    Arc,
}
