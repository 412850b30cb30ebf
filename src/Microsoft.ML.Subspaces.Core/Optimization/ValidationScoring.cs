using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>Scores one-point networks on a validation set in chunks, without gradients.</summary>
internal static class ValidationScoring
{
    private const int Chunk = 1024;

    /// <summary>Softmax probabilities <c>[N, C]</c> of a one-point network (a tensor the caller disposes).</summary>
    public static Tensor Probabilities(SubspaceNetwork network, TensorDataset data)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long s = 0; s < data.Count; s += Chunk)
        {
            long len = Math.Min(Chunk, data.Count - s);
            parts.Add(nn.functional.softmax(network.forward(data.Features.narrow(0, s, len)), 1));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Fraction of rows whose most probable class (in <paramref name="scores"/>, <c>[N, C]</c>) is the label.</summary>
    public static double Accuracy(Tensor scores, TensorDataset data)
    {
        using var scope = NewDisposeScope();
        return (double)scores.argmax(1).eq(data.Labels).sum().item<long>() / data.Count;
    }

    /// <summary>
    /// The validation scores of a one-point network: accuracy for classification, minus the mean squared error of the
    /// standardized label for regression (see <see cref="TaskLoss.ScoreSum"/>), the mean loss (see
    /// <see cref="TaskLoss.LossSum"/>) and the loss at the best temperature, which early stopping follows (see
    /// <see cref="TaskLoss.TemperatureScaledLoss"/>). The network runs on the rows in chunks; its outputs (one row of
    /// class scores per validation row) are kept for the temperature search.
    /// </summary>
    public static ValidationScore Score(SubspaceNetwork network, TensorDataset data)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long s = 0; s < data.Count; s += Chunk)
            parts.Add(network.forward(data.Features.narrow(0, s, Math.Min(Chunk, data.Count - s))));
        var outputs = cat(parts, 0);
        var output = network.Spec.Output;
        return new ValidationScore(
            TaskLoss.ScoreSum(output, outputs, data.Labels) / data.Count,
            TaskLoss.LossSum(output, outputs, data.Labels) / data.Count,
            TaskLoss.TemperatureScaledLoss(output, outputs, data.Labels));
    }
}

/// <summary>One epoch's validation scores at the center (see <see cref="ValidationScoring.Score"/>).</summary>
internal readonly record struct ValidationScore(double Accuracy, double Loss, double TemperatureScaledLoss);
