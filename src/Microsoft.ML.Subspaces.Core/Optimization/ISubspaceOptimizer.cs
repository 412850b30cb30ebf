using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// An optimizer of every point of a subspace network, as the training loop drives it: after each backward pass it gives
/// every point its share of the mixed weights' gradient (plus the cos^2 regularizer's terms), updates the points, and
/// leaves the next batch's weights mixed.
/// </summary>
internal interface ISubspaceOptimizer : IDisposable
{
    /// <summary>Learning rate of the next step.</summary>
    double LearningRate { get; set; }

    /// <summary>Multiplies every point's share of the gradient (k keeps the center's step a standard network's).</summary>
    double GradientScale { get; set; }

    /// <summary><c>beta * cos^2</c> of <paramref name="pair"/> at the current weights, or null without a pair.</summary>
    CosineRegularizerTerms? CosineRegularizer((int J, int K)? pair, double beta);

    /// <summary>One update; then every parameter holds its weights mixed at <paramref name="nextCoefficients"/> when given.</summary>
    void Step(CosineRegularizerTerms? regularizer, IReadOnlyList<double[]>? nextCoefficients, (int J, int K)? nextPair = null);

    /// <summary>The optimizer's state tensors (momentum buffers, moments), in a fixed order: what a checkpoint saves.</summary>
    IReadOnlyList<TorchSharp.torch.Tensor> State { get; }

    /// <summary>Steps taken (AdamW's bias correction reads it); restored with the state.</summary>
    long Steps { get; set; }

    /// <summary>The points of a k-point network an optimizer must leave alone: all but <paramref name="trainablePoints"/> (none when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A trainable index is outside [0, k).</exception>
    static ISet<int> Frozen(int pointCount, IReadOnlyList<int>? trainablePoints)
    {
        var frozen = new HashSet<int>();
        if (trainablePoints is null) return frozen;
        foreach (int i in trainablePoints)
            if (i < 0 || i >= pointCount)
                throw new ArgumentOutOfRangeException(nameof(trainablePoints), i, $"Point index {i} is outside [0, {pointCount}).");
        for (int i = 0; i < pointCount; i++)
            if (!trainablePoints.Contains(i)) frozen.Add(i);
        return frozen;
    }
}
