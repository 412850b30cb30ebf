using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>Scores one-point networks on a validation set in chunks, without gradients.</summary>
internal static class ValidationScoring
{
    private const int Chunk = 4096;

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
}
