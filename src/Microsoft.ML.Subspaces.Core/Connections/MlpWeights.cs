using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// The weights of one multilayer perceptron as float64 CPU tensors: for every linear layer l a weight
/// <c>[out, in]</c> and a bias <c>[out]</c>. Hidden layer k (0-based) is the output of linear layer k; its
/// neurons' incoming weights are the rows of layer k, their outgoing weights the columns of layer k + 1.
/// Immutable: operations return new instances, which share the tensors they do not change.
/// Tensors are owned by whoever built them (see <see cref="ConnectionPath"/>), not by this object.
/// </summary>
internal sealed class MlpWeights
{
    public MlpWeights(IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases)
    {
        if (weights.Count != biases.Count || weights.Count == 0)
            throw new ArgumentException("An MLP needs one weight and one bias per layer.");
        Weights = weights.ToArray();
        Biases = biases.ToArray();
    }

    public IReadOnlyList<Tensor> Weights { get; }
    public IReadOnlyList<Tensor> Biases { get; }

    /// <summary>Number of linear layers (hidden layers + 1).</summary>
    public int LayerCount => Weights.Count;

    /// <summary>Number of hidden layers.</summary>
    public int HiddenCount => LayerCount - 1;

    /// <summary>Every tensor (for ownership bookkeeping).</summary>
    public IEnumerable<Tensor> Tensors => Weights.Concat(Biases);

    /// <summary>
    /// Copies the weights of a single-point (or materialized) network at <paramref name="coefficients"/> as
    /// float64 CPU tensors that belong to no dispose scope.
    /// </summary>
    public static MlpWeights FromNetwork(SubspaceMlp network, double[] coefficients)
    {
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        using (no_grad())
        {
            foreach (var layer in network.Layers)
            {
                weights.Add(Copy(layer.Weight.Points, coefficients));
                biases.Add(Copy(layer.Bias.Points, coefficients));
            }
        }
        return new MlpWeights(weights, biases);

        static Tensor Copy(Tensor points, double[] c)
        {
            using var scope = NewDisposeScope();
            return SubspaceParameter.MixPoints(points, c).to_type(ScalarType.Float64).cpu().contiguous().DetachFromDisposeScope();
        }
    }

    /// <summary>A one-point <see cref="SubspaceMlp"/> of <paramref name="spec"/> holding these weights (float32), in eval mode.</summary>
    public SubspaceMlp ToNetwork(NetworkSpec spec, Device device)
    {
        var network = new SubspaceMlp(spec.WithPointCount(1));
        try
        {
            network.to(device);
            foreach (var t in network.parameters()) t.DetachFromDisposeScope();
            var layers = network.Layers;
            if (layers.Count != LayerCount) throw new InvalidOperationException($"The network has {layers.Count} layers; the weights have {LayerCount}.");
            using (no_grad())
            using (NewDisposeScope())
            {
                for (int l = 0; l < LayerCount; l++)
                {
                    layers[l].Weight.Points[0].copy_(Weights[l].to_type(ScalarType.Float32));
                    layers[l].Bias.Points[0].copy_(Biases[l].to_type(ScalarType.Float32));
                }
            }
            network.eval();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>These weights with layer <paramref name="layer"/> replaced.</summary>
    public MlpWeights WithLayer(int layer, Tensor weight, Tensor bias)
    {
        var w = Weights.ToArray();
        var b = Biases.ToArray();
        w[layer] = weight;
        b[layer] = bias;
        return new MlpWeights(w, b);
    }

    /// <summary>Layers [0, <paramref name="count"/>) from this network, the rest from <paramref name="other"/>.</summary>
    public MlpWeights Splice(int count, MlpWeights other)
    {
        var w = Weights.Take(count).Concat(other.Weights.Skip(count)).ToArray();
        var b = Biases.Take(count).Concat(other.Biases.Skip(count)).ToArray();
        return new MlpWeights(w, b);
    }

    /// <summary>
    /// The same function with the neurons of hidden layer <paramref name="hidden"/> reordered: new neuron i is old
    /// neuron <paramref name="permutation"/>[i] (rows of layer k and its bias, columns of layer k + 1).
    /// </summary>
    public MlpWeights PermuteHidden(int hidden, int[] permutation)
    {
        if (hidden < 0 || hidden >= HiddenCount) throw new ArgumentOutOfRangeException(nameof(hidden));
        if (permutation.Length != Weights[hidden].shape[0])
            throw new ArgumentException($"Hidden layer {hidden} has {Weights[hidden].shape[0]} neurons; the permutation has {permutation.Length}.", nameof(permutation));
        using var index = tensor(Array.ConvertAll(permutation, p => (long)p));
        var w = Weights.ToArray();
        var b = Biases.ToArray();
        w[hidden] = w[hidden].index_select(0, index);
        b[hidden] = b[hidden].index_select(0, index);
        w[hidden + 1] = w[hidden + 1].index_select(1, index);
        return new MlpWeights(w, b);
    }

    /// <summary>The output of linear layer <paramref name="layer"/> (before ReLU) for its input <paramref name="input"/> <c>[N, in]</c>.</summary>
    public Tensor PreActivation(Tensor input, int layer) => nn.functional.linear(input, Weights[layer], Biases[layer]);

    /// <summary>
    /// The activations of hidden layer <paramref name="hidden"/> (after ReLU) for inputs <paramref name="x"/>;
    /// hidden = -1 returns <paramref name="x"/> itself.
    /// </summary>
    public Tensor Hidden(Tensor x, int hidden)
    {
        var h = x;
        for (int l = 0; l <= hidden; l++) h = PreActivation(h, l).relu_();
        return h;
    }

    /// <summary>The logits for inputs <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => PreActivation(Hidden(x, HiddenCount - 1), LayerCount - 1);
}
