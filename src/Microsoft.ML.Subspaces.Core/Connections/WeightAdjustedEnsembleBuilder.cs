using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// WA-ensembles (Anokhin and Yarotsky, 2020, section 6): m networks of one architecture made to share the first
/// network's lower layers as a common backbone. Network i keeps its last <c>headLayers</c> linear layers; the first
/// of them is re-solved by least squares so that, on the training sample, it produces from the backbone's features
/// (the first network's hidden layer below the head) the pre-activations it produced from its own. The first network
/// is its own head. Only the heads differ, so the ensemble stores the backbone once.
/// </summary>
internal static class WeightAdjustedEnsembleBuilder
{
    /// <summary>The members: network 0 as it is, every other network on network 0's backbone with its adjusted head.</summary>
    /// <param name="networks">The networks, the first giving the backbone.</param>
    /// <param name="sample">Standardized training inputs <c>[N, in]</c>.</param>
    /// <param name="headLayers">Linear layers of each head, 1 (only the output layer) to the number of hidden layers.</param>
    public static MlpWeights[] Build(IReadOnlyList<MlpWeights> networks, Tensor sample, int headLayers)
    {
        var base0 = networks[0];
        if (headLayers < 1 || headLayers > base0.HiddenCount)
            throw new ArgumentOutOfRangeException(nameof(headLayers), headLayers, $"A head has 1 to {base0.HiddenCount} linear layers (the number of hidden layers), leaving the backbone at least one.");
        int adjusted = base0.LayerCount - headLayers; // the head's first layer
        var members = new MlpWeights[networks.Count];
        members[0] = base0;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var features = base0.Hidden(sample, adjusted - 1);
        for (int i = 1; i < networks.Count; i++)
        {
            var net = networks[i];
            var target = net.PreActivation(net.Hidden(sample, adjusted - 1), adjusted);
            var (w, b) = LeastSquaresLayer.Solve(features, target);
            members[i] = base0.Splice(adjusted, net).WithLayer(adjusted, w, b);
        }
        foreach (var m in members.Skip(1))
            for (int l = adjusted; l < m.LayerCount; l++)
            {
                m.Weights[l].DetachFromDisposeScope();
                m.Biases[l].DetachFromDisposeScope();
            }
        return members;
    }
}
