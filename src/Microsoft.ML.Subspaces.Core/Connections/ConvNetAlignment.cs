using Microsoft.ML.Subspaces.Assignment;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Optimal transport between convolutional networks, filters as neurons: for each block of the library's ConvNet,
/// from the input up, B's output channels are permuted to the minimum-cost exact assignment to A's, the cost being the
/// squared distance between channel vectors (the filter's incoming weights, already in A's order of input channels,
/// with the BatchNorm scale and shift). Permuting a channel moves its filter, its BatchNorm parameters and running
/// statistics and its slice of the next layer's input, so the permuted B is the same function as B.
/// </summary>
internal static class ConvNetAlignment
{
    /// <summary>
    /// Permutes the channels of the one-point network <paramref name="b"/> in place to match <paramref name="a"/>; returns
    /// each block's permutation (new channel i of B is its old channel p[i]).
    /// </summary>
    public static int[][] AlignChannels(SubspaceConvNet a, SubspaceConvNet b)
    {
        if (a.Spec.PointCount != 1 || b.Spec.PointCount != 1) throw new ArgumentException("Channel alignment takes one-point networks.");
        var blocksA = a.Blocks;
        var blocksB = b.Blocks;
        var permutations = new int[blocksA.Count][];
        using var noGrad = no_grad();
        for (int l = 0; l < blocksA.Count; l++)
        {
            using var scope = NewDisposeScope();
            var va = ChannelVectors(blocksA[l]);
            var vb = ChannelVectors(blocksB[l]);
            int n = (int)va.shape[0];
            // Total squared distance over a permutation = constant - 2 * sum of inner products.
            var cost = va.matmul(vb.T).neg_().cpu().contiguous().data<double>().ToArray();
            var p = LinearAssignment.Solve(cost, n);
            Permute(b, l, p);
            permutations[l] = p;
        }
        return permutations;
    }

    private static Tensor ChannelVectors((SubspaceConv2d Conv, SubspaceBatchNorm2d Norm) block)
    {
        var parts = new List<Tensor> { block.Conv.Weight.Points[0].flatten(1) };
        if (block.Conv.Bias is { } bias) parts.Add(bias.Points[0].unsqueeze(1));
        parts.Add(block.Norm.Scale.Points[0].unsqueeze(1));
        parts.Add(block.Norm.Shift.Points[0].unsqueeze(1));
        return cat(parts.ToArray(), 1).to(float64);
    }

    /// <summary>New channel i of <paramref name="block"/> is its old channel permutation[i]; the function is unchanged.</summary>
    internal static void Permute(SubspaceConvNet network, int block, int[] permutation)
    {
        var (conv, norm) = network.Blocks[block];
        var device = conv.Weight.Points.device;
        using var index = tensor(permutation.Select(i => (long)i).ToArray(), device: device);
        static void Rows(Tensor t, Tensor index, long dim) => t.copy_(t.index_select(dim, index));
        Rows(conv.Weight.Points[0], index, 0);
        if (conv.Bias is { } bias) Rows(bias.Points[0], index, 0);
        Rows(norm.Scale.Points[0], index, 0);
        Rows(norm.Shift.Points[0], index, 0);
        Rows(norm.RunningMean, index, 0);
        Rows(norm.RunningVariance, index, 0);
        if (block + 1 < network.Blocks.Count)
        {
            Rows(network.Blocks[block + 1].Conv.Weight.Points[0], index, 1);
            return;
        }
        // The classifier reads the flattened [channels, H/8, W/8] features: each channel owns a run of columns.
        var weight = network.Classifier.Weight.Points[0];
        long classes = weight.shape[0], channels = permutation.Length;
        var byChannel = weight.view(classes, channels, -1);
        byChannel.copy_(byChannel.index_select(1, index));
    }
}
