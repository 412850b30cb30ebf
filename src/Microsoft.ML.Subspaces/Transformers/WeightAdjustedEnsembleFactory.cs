using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>WA-ensembles of fitted models: one backbone, one weight-adjusted head per member.</summary>
internal static class WeightAdjustedEnsembleFactory
{
    /// <summary>
    /// A WA-ensemble (Anokhin and Yarotsky, 2020, section 6): the models share the first model's lower layers as a common
    /// backbone, each keeping its own last <paramref name="headLayers"/> layers, the first of which is re-solved by least
    /// squares on <paramref name="trainingData"/> to read the backbone's features instead of its own. The first model is
    /// a member as it is. Only the heads differ, so the ensemble has the parameters of one backbone and m heads (see
    /// <see cref="Parameters"/>); it predicts with the mean of its members' probabilities.
    /// </summary>
    /// <param name="models">Single-network MLPs of one architecture, trained on the same rows; the first gives the backbone.</param>
    /// <param name="trainingData">Training inputs (the features column is read, up to 10,000 rows, drawn with <paramref name="seed"/>).</param>
    /// <param name="headLayers">Linear layers per head: 1 (only the output layer, the paper's WA(1)) up to the number of hidden layers.</param>
    /// <param name="seed">Seed of the sample of training rows.</param>
    /// <exception cref="ArgumentException">No models, models that differ (the message names what), or an ensemble as a model.</exception>
    public static EnsembleTransformer Build(IReadOnlyList<SubspaceTransformer> models, IDataView trainingData, int headLayers, int seed)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(trainingData);
        if (models.Count == 0) throw new ArgumentException("A WA-ensemble needs at least one model; the list is empty.", nameof(models));
        var first = models[0] ?? throw new ArgumentException("Model 0 is null.", nameof(models));
        first.ThrowIfDisposed();
        var mlps = new List<SubspaceMlp>();
        for (int i = 0; i < models.Count; i++)
        {
            var m = models[i] ?? throw new ArgumentException($"Model {i} is null.", nameof(models));
            m.ThrowIfDisposed();
            mlps.Add(ConnectableModels.SingleMlp(m, $"models[{i}]"));
            if (i == 0) continue;
            ConnectableModels.CheckSameArchitecture(first.Network, m.Network);
            if (!first.Labels.Values.SequenceEqual(m.Labels.Values) || first.FeatureColumnName != m.FeatureColumnName)
                throw new ArgumentException($"Model {i} predicts other classes or reads another features column than model 0.", nameof(models));
        }
        var spec = first.Network.WithPointCount(1);
        if (headLayers < 1 || headLayers > spec.HiddenSizes.Length)
            throw new ArgumentOutOfRangeException(nameof(headLayers), headLayers, $"A head has 1 to {spec.HiddenSizes.Length} linear layers for these networks ({spec.Describe()}).");

        var owned = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var members = new List<ScorerTransformer>();
        try
        {
            Tensor sample;
            using (var raw = FeatureSample.Read(trainingData, first.FeatureColumnName, spec.InputSize, 10_000, seed, default))
                sample = FeatureStandardization.Apply(spec, raw);
            owned.Add(sample);
            var weights = models.Select((m, i) => MlpWeights.FromNetwork(mlps[i], m.Shape.Coefficients(m.Positions[0]))).ToList();
            foreach (var w in weights) owned.UnionWith(w.Tensors);
            var built = WeightAdjustedEnsembleBuilder.Build(weights, sample, headLayers);
            foreach (var w in built) owned.UnionWith(w.Tensors);
            for (int i = 0; i < built.Length; i++)
            {
                using var scope = NewDisposeScope();
                var network = built[i].ToNetwork(spec, mlps[0].Device);
                members.Add(SubspaceTransformer.Standalone(network, first.FeatureColumnName, first.Labels,
                    i == 0 ? "WA-ensemble member 0 (the backbone's own network)" : $"WA-ensemble member {i} (head of {headLayers} layer(s) on member 0's backbone)"));
            }
            return EnsembleTransformer.Own(members, $"WA-ensemble of {members.Count} ({headLayers}-layer heads on one backbone)", Array.Empty<Optimization.EpochSummary>());
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>
    /// The distinct parameters of a WA-ensemble of <paramref name="members"/> networks of <paramref name="model"/>'s
    /// architecture with <paramref name="headLayers"/>-layer heads: one backbone and one head per member.
    /// </summary>
    public static long Parameters(SubspaceTransformer model, int members, int headLayers)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Network;
        var widths = new[] { spec.InputSize }.Concat(spec.HiddenSizes).Append(spec.ClassCount).ToArray();
        if (headLayers < 1 || headLayers > spec.HiddenSizes.Length) throw new ArgumentOutOfRangeException(nameof(headLayers));
        long Layer(int l) => (long)widths[l + 1] * widths[l] + widths[l + 1];
        int layers = widths.Length - 1, adjusted = layers - headLayers;
        long backbone = Enumerable.Range(0, adjusted).Sum(Layer), head = Enumerable.Range(adjusted, headLayers).Sum(Layer);
        return backbone + members * head;
    }
}
