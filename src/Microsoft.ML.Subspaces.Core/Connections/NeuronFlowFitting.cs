using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// The two ways Anokhin and Yarotsky fit a <see cref="NeuronFlow"/> on a set of trained one-hidden-layer networks:
/// by maximum likelihood of their pooled neurons (Flow), or so that the paths it gives between pairs of them have low
/// loss on training rows (Bijection). Both with Adam; deterministic for a seed.
/// </summary>
internal static class NeuronFlowFitting
{
    /// <summary>The neuron vectors <c>[h, d]</c> of a one-hidden-layer network: rows <c>[W_0 | b_0 | W_1^T]</c>.</summary>
    public static Tensor Neurons(MlpWeights network) => Transition.Neurons(network, 0, outgoing: true);

    /// <summary>The network with hidden neurons <paramref name="neurons"/> <c>[h, d]</c> and output bias <paramref name="outputBias"/>.</summary>
    public static MlpWeights FromNeurons(Tensor neurons, Tensor outputBias, long inputs)
    {
        var (weight, bias, outgoing) = Transition.Split(neurons, inputs);
        return new MlpWeights(new[] { weight, outgoing }, new[] { bias, outputBias });
    }

    /// <summary>
    /// Maximum likelihood of <paramref name="neurons"/> <c>[N, d]</c> (float32) under the flow, in minibatches. With
    /// <paramref name="validation"/> neurons (of other networks), the flow of the epoch with the best validation likelihood is
    /// kept: a few hundred neurons in hundreds of dimensions are fitted ever more closely, and the flow then stops
    /// generalizing to the neurons of networks it has not seen.
    /// </summary>
    /// <returns>The kept epoch (1-based) and the mean negative log-likelihood per neuron on the validation neurons there (the training neurons without them).</returns>
    public static (int Epoch, double Loss) FitLikelihood(NeuronFlow flow, Tensor neurons, Tensor? validation, int epochs, int batchSize, double learningRate, int seed,
        CancellationToken cancellationToken)
    {
        using var optimizer = optim.Adam(flow.parameters(), learningRate);
        var generator = new Generator((ulong)seed);
        long n = neurons.shape[0];
        using var best = new BestEpoch(flow); // offered the validation neurons' negative log-likelihood
        (int Epoch, double Loss) last = (0, double.NaN);
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                flow.train();
                using var epochScope = NewDisposeScope();
                var order = randperm(n, generator: generator);
                double sum = 0;
                for (long start = 0; start < n; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    var batch = neurons.index_select(0, order.narrow(0, start, Math.Min(batchSize, n - start)));
                    optimizer.zero_grad();
                    var loss = flow.NegativeLogLikelihood(batch);
                    loss.backward();
                    optimizer.step();
                    sum += loss.item<float>() * batch.shape[0];
                }
                flow.eval();
                last = (epoch, sum / n);
                if (validation is null) continue;
                using (no_grad()) best.Offer(epoch, flow.NegativeLogLikelihood(validation).item<float>());
            }
            if (validation is null) return last;
            best.Restore();
            return (best.Epoch, best.Loss);
        }
        finally
        {
            flow.eval();
        }
    }

    /// <summary>The neuron vectors of <paramref name="networks"/> stacked <c>[sum of h, d]</c> (float32).</summary>
    public static Tensor PooledNeurons(IEnumerable<MlpWeights> networks)
    {
        using var scope = NewDisposeScope();
        return cat(networks.Select(n => Neurons(n).to_type(ScalarType.Float32)).ToArray(), 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Trains the flow so that the arcs it gives between pairs of <paramref name="networks"/> (neurons matched by optimal
    /// transport) have low cross-entropy: each step takes a random pair, a random t and a batch of rows.
    /// </summary>
    /// <param name="flow">The flow to train.</param>
    /// <param name="networks">One-hidden-layer networks of one architecture (float64 weights).</param>
    /// <param name="features">Training inputs as the networks' first layer sees them <c>[N, in]</c> (float32).</param>
    /// <param name="labels">Class indices <c>[N]</c> (int64).</param>
    /// <param name="steps">Optimizer steps.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <param name="seed">Seed of the pairs, points and rows.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The mean cross-entropy over the last tenth of the steps.</returns>
    public static double FitPaths(NeuronFlow flow, IReadOnlyList<MlpWeights> networks, Tensor features, Tensor labels, int steps, int batchSize,
        double learningRate, int seed, CancellationToken cancellationToken)
    {
        if (networks.Count < 2) throw new ArgumentException("Training a bijection on paths needs at least two networks.", nameof(networks));
        using var optimizer = optim.Adam(flow.parameters(), learningRate);
        var random = new Random(seed);
        long inputs = networks[0].Weights[0].shape[1];
        var matched = new Dictionary<(int, int), (Tensor A, Tensor B, Tensor BiasA, Tensor BiasB)>();
        double tail = 0;
        int tailCount = 0;
        flow.train();
        try
        {
            for (int step = 0; step < steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int i = random.Next(networks.Count), j = random.Next(networks.Count - 1);
                if (j >= i) j++;
                if (!matched.TryGetValue((i, j), out var pair)) matched[(i, j)] = pair = Match(networks[i], networks[j]);
                double t = random.NextDouble();
                using var scope = NewDisposeScope();
                using var rows = tensor(Enumerable.Range(0, batchSize).Select(_ => (long)random.Next((int)features.shape[0])).ToArray());
                optimizer.zero_grad();
                var neurons = flow.ToNeurons(Arc(flow.ToLatent(pair.A).Latent, flow.ToLatent(pair.B).Latent, t));
                var network = FromNeurons(neurons, lerp(pair.BiasA, pair.BiasB, t), inputs);
                var loss = nn.functional.cross_entropy(network.Forward(features.index_select(0, rows)), labels.index_select(0, rows));
                loss.backward();
                optimizer.step();
                if (step >= steps - Math.Max(1, steps / 10))
                {
                    tail += loss.item<float>();
                    tailCount++;
                }
            }
        }
        finally
        {
            foreach (var (a, b, biasA, biasB) in matched.Values)
            {
                a.Dispose();
                b.Dispose();
                biasA.Dispose();
                biasB.Dispose();
            }
            flow.eval();
        }
        return tail / tailCount;
    }

    /// <summary>The arc <c>cos(pi t / 2) a + sin(pi t / 2) b</c>, which keeps a standard normal latent distribution.</summary>
    public static Tensor Arc(Tensor a, Tensor b, double t)
    {
        double angle = Math.PI * t / 2;
        return a.Times(Math.Cos(angle)).AddScaled_(b, Math.Sin(angle));
    }

    /// <summary>The neurons of <paramref name="a"/> and of <paramref name="b"/> reordered to match them (float32), with the output biases.</summary>
    public static (Tensor A, Tensor B, Tensor BiasA, Tensor BiasB) Match(MlpWeights a, MlpWeights b)
    {
        using var scope = NewDisposeScope();
        var na = Neurons(a);
        var nb = Neurons(b);
        var permutation = ConnectionPathBuilder.Match(na, nb);
        var aligned = Neurons(b.PermuteHidden(0, permutation));
        return (na.to_type(ScalarType.Float32).MoveToOuterDisposeScope(), aligned.to_type(ScalarType.Float32).MoveToOuterDisposeScope(),
            a.Biases[1].to_type(ScalarType.Float32).MoveToOuterDisposeScope(), b.Biases[1].to_type(ScalarType.Float32).MoveToOuterDisposeScope());
    }
}
