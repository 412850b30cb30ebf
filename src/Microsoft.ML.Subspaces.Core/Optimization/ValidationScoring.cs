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
    /// The validation score and loss of a one-point network, chunk by chunk in one pass (no <c>[N, C]</c> tensor of
    /// probabilities): accuracy for classification, minus the mean squared error of the standardized label for regression
    /// (see <see cref="TaskLoss.ScoreSum"/>), and the mean loss (see <see cref="TaskLoss.LossSum"/>).
    /// </summary>
    public static (double Accuracy, double Loss) Score(SubspaceNetwork network, TensorDataset data)
    {
        using var _ = no_grad();
        double score = 0, loss = 0;
        for (long s = 0; s < data.Count; s += Chunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(Chunk, data.Count - s);
            var outputs = network.forward(data.Features.narrow(0, s, len));
            var labels = data.Labels.narrow(0, s, len);
            score += TaskLoss.ScoreSum(network.Spec.Output, outputs, labels);
            loss += TaskLoss.LossSum(network.Spec.Output, outputs, labels);
        }
        return (score / data.Count, loss / data.Count);
    }
}
