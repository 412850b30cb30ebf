using System.Diagnostics;
using Microsoft.ML.Runtime;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces;

public sealed partial class ConnectionsCatalog
{
    /// <summary>
    /// The Flow connection of Anokhin and Yarotsky: a RealNVP bijection fitted by maximum likelihood on the pooled hidden
    /// neurons of <paramref name="models"/> (trained one-hidden-layer networks, the more the better), so that its latent
    /// space is standard normal. With three models or more, the last eighth of them (at least one) is held out and the
    /// epoch with the best likelihood of their neurons is kept (<see cref="NeuronFlowConnector.KeptEpoch"/>): neurons are
    /// few for their dimension, and a flow fitted ever longer stops generalizing to networks it has not seen.
    /// <see cref="NeuronFlowConnector.Connect"/> then joins any pair of such networks through it.
    /// </summary>
    /// <param name="models">At least two single-network one-hidden-layer MLPs with the same inputs, classes and feature standardization.</param>
    /// <param name="options">The bijection and its fit; defaults when null.</param>
    /// <exception cref="ArgumentException">Fewer than two models, or models that differ (the message names what).</exception>
    /// <exception cref="NotSupportedException">A model is not a one-hidden-layer MLP.</exception>
    public NeuronFlowConnector FitFlow(IReadOnlyList<SubspaceTransformer> models, NeuronFlowOptions? options = null)
    {
        options ??= new NeuronFlowOptions();
        options.Validate();
        var networks = FlowNetworks(models);
        int seed = options.Seed ?? ((IHostEnvironment)_context).Register("Subspaces.Flow").Rand.Next();
        var clock = Stopwatch.StartNew();
        NeuronFlow? flow = null;
        try
        {
            using var scope = NewDisposeScope();
            // With three models or more, the last eighth of them (at least one) is held out to choose the epoch.
            int held = networks.Count >= 3 ? Math.Max(1, networks.Count / 8) : 0;
            var neurons = NeuronFlowFitting.PooledNeurons(networks.Take(networks.Count - held));
            var validation = held > 0 ? NeuronFlowFitting.PooledNeurons(networks.Skip(networks.Count - held)) : null;
            flow = new NeuronFlow(neurons, options.Couplings, options.HiddenSize, seed);
            var (epoch, loss) = NeuronFlowFitting.FitLikelihood(flow, neurons, validation, options.Epochs, options.BatchSize, options.LearningRate ?? 1e-3, seed,
                options.CancellationToken);
            return new NeuronFlowConnector(flow, "Flow", models[0].Network.WithPointCount(1), models.Count, clock.Elapsed, loss, epoch);
        }
        catch
        {
            flow?.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in networks.SelectMany(n => n.Tensors)) t.Dispose();
        }
    }

    /// <summary>
    /// The Bijection connection of Anokhin and Yarotsky: the same RealNVP bijection as <see cref="FitFlow"/>, starting from
    /// the identity (after standardizing the neurons), trained so that the paths it gives between pairs of
    /// <paramref name="models"/> have low cross-entropy on <paramref name="trainingData"/>: each step takes a random pair,
    /// a random point t and a batch of rows. <see cref="NeuronFlowConnector.Connect"/> then joins any new pair through it.
    /// </summary>
    /// <param name="models">At least two single-network one-hidden-layer MLPs with the same inputs, classes and feature standardization.</param>
    /// <param name="trainingData">The models' training rows: the features column they read and a key-typed label.</param>
    /// <param name="options">The bijection and its fit; defaults when null.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <exception cref="ArgumentException">Fewer than two models, models that differ, or a label column that does not fit them.</exception>
    /// <exception cref="NotSupportedException">A model is not a one-hidden-layer MLP.</exception>
    public NeuronFlowConnector FitBijection(IReadOnlyList<SubspaceTransformer> models, IDataView trainingData, NeuronFlowOptions? options = null,
        string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        options ??= new NeuronFlowOptions();
        options.Validate();
        var networks = FlowNetworks(models);
        int seed = options.Seed ?? ((IHostEnvironment)_context).Register("Subspaces.Bijection").Rand.Next();
        var spec = models[0].Network.WithPointCount(1);
        var clock = Stopwatch.StartNew();
        NeuronFlow? flow = null;
        try
        {
            using var scope = NewDisposeScope();
            var read = DataViewTensorReader.Read(trainingData, models[0].FeatureColumnName, labelColumnName, null);
            using var data = read.Data;
            if (data.ClassCount != spec.ClassCount)
                throw new ArgumentException($"Label column '{labelColumnName}' has {data.ClassCount} classes; the models predict {spec.ClassCount}.", nameof(labelColumnName));
            long n = data.Features.shape[0], kept = Math.Min(n, options.MaxSampleRows);
            var rows = randperm(n, generator: new Generator((ulong)seed)).narrow(0, 0, kept).sort().Values;
            // The networks' first layer sees standardized features.
            var features = FeatureStandardization.Apply(spec, data.Features.index_select(0, rows).to_type(ScalarType.Float64)).to_type(ScalarType.Float32);
            var labels = data.Labels.index_select(0, rows);
            var neurons = NeuronFlowFitting.PooledNeurons(networks);
            flow = new NeuronFlow(neurons, options.Couplings, options.HiddenSize, seed);
            double loss = NeuronFlowFitting.FitPaths(flow, networks, features, labels, options.Steps, options.BatchSize, options.LearningRate ?? 1e-4, seed,
                options.CancellationToken);
            return new NeuronFlowConnector(flow, "Bijection", spec, models.Count, clock.Elapsed, loss, null);
        }
        catch
        {
            flow?.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in networks.SelectMany(n => n.Tensors)) t.Dispose();
        }
    }

    /// <summary>
    /// Saves a fitted Flow or Bijection connector to <paramref name="filePath"/> (the bijection and the networks it applies
    /// to), so that new pairs are connected later without fitting it again. The file is written whole or not at all.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connector was disposed.</exception>
    public void SaveConnector(NeuronFlowConnector connector, string filePath)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        Persistence.SubspaceModelOperations.WriteAtomically(filePath, Persistence.NeuronFlowConnectorFormat.Write(connector));
    }

    /// <summary>Loads a connector saved by <see cref="SaveConnector"/>; dispose it after its connections.</summary>
    /// <exception cref="FileNotFoundException">No file at the path.</exception>
    /// <exception cref="InvalidDataException">The file is corrupted or truncated, or holds a pipeline rather than a connector.</exception>
    public NeuronFlowConnector LoadConnector(string filePath) =>
        Persistence.SubspaceModelOperations.ReadFile(filePath, Persistence.NeuronFlowConnectorFormat.Read);

    /// <summary>The models' weights (float64, CPU), after checking that they are connectable one-hidden-layer MLPs of one architecture.</summary>
    private static List<MlpWeights> FlowNetworks(IReadOnlyList<SubspaceTransformer> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2) throw new ArgumentException($"A flow is fitted on the neurons of several trained networks; got {models.Count}.", nameof(models));
        var networks = new List<MlpWeights>();
        try
        {
            for (int i = 0; i < models.Count; i++)
            {
                var model = models[i] ?? throw new ArgumentNullException(nameof(models), $"models[{i}] is null.");
                model.ThrowIfDisposed();
                var mlp = ConnectableModels.SingleMlp(model, $"models[{i}]");
                ConnectableModels.CheckFlowNetwork(model.Network, $"models[{i}]", models[0].Network, "models[0]", nameof(models));
                networks.Add(MlpWeights.FromNetwork(mlp, model.Shape.Coefficients(model.Positions[0])));
            }
            return networks;
        }
        catch
        {
            foreach (var t in networks.SelectMany(n => n.Tensors)) t.Dispose();
            throw;
        }
    }
}
