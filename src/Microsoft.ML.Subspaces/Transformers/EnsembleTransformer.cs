using Microsoft.ML.Subspaces.Export;
using Microsoft.ML.Subspaces.Optimization;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// An ensemble of fitted models of one task that predicts with the mean of its members' class probabilities:
/// independent models (<c>mlContext.Subspaces().Ensemble</c>), or the snapshots of Fast Geometric Ensembling.
/// Members that support it (every model of this library) share their weights with the models they were built
/// from: disposing the ensemble or one of those models does not affect the other.
/// </summary>
public sealed class EnsembleTransformer : ScorerTransformer
{
    private readonly ScorerTransformer[] _members;
    private readonly bool[] _owned;

    private EnsembleTransformer(ScorerTransformer[] members, bool[] owned, string description, IReadOnlyList<EpochSummary> history)
        : base(members[0].FeatureColumnName, members[0].FeatureSize, members[0].Labels, members[0].Output)
    {
        _members = members;
        _owned = owned;
        Description = description;
        TrainingHistory = history;
    }

    /// <summary>
    /// Builds an ensemble of <paramref name="models"/>, which must read the same features and predict the same
    /// classes. Each member holds its own reference to the model's weights.
    /// </summary>
    /// <exception cref="ArgumentException">No models, or models of different tasks.</exception>
    internal static EnsembleTransformer Create(IEnumerable<ScorerTransformer> models, string? description = null,
        IReadOnlyList<EpochSummary>? history = null, string parameterName = "models")
    {
        ArgumentNullException.ThrowIfNull(models, parameterName);
        var list = models.ToList();
        if (list.Count == 0) throw new ArgumentException("An ensemble needs at least one model; the list is empty.", parameterName);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is null) throw new ArgumentException($"Model {i} of the ensemble is null.", parameterName);
            list[i].ThrowIfDisposed();
        }
        ModelCompatibility.CheckSameTask(list, list.Select((_, i) => $"model {i}").ToArray(), parameterName);
        var members = new ScorerTransformer[list.Count];
        var owned = new bool[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            var shared = list[i].ShareWeights();
            members[i] = shared ?? list[i];
            owned[i] = shared is not null;
        }
        return new EnsembleTransformer(members, owned, description ?? $"ensemble of {members.Length}", history ?? Array.Empty<EpochSummary>());
    }

    /// <summary>Wraps models this library just created (FGE snapshots, loaded members): the ensemble owns them.</summary>
    internal static EnsembleTransformer Own(IReadOnlyList<ScorerTransformer> members, string description, IReadOnlyList<EpochSummary> history)
    {
        if (members.Count == 0) throw new ArgumentException("An ensemble needs at least one model.", nameof(members));
        ModelCompatibility.CheckSameTask(members, members.Select((_, i) => $"member {i}").ToArray(), nameof(members));
        return new EnsembleTransformer(members.ToArray(), Enumerable.Repeat(true, members.Count).ToArray(), description, history);
    }

    /// <summary>The members whose probabilities are averaged.</summary>
    public IReadOnlyList<ScorerTransformer> Members => _members;

    /// <summary>What the ensemble is: "ensemble of 2", "fge(4 snapshots, cycle 2 epochs)".</summary>
    public string Description { get; }

    /// <summary>The per-epoch history of the training that produced the ensemble (empty for combined or loaded models).</summary>
    public IReadOnlyList<EpochSummary> TrainingHistory { get; }

    private protected override float[] Score(ReadOnlySpan<float> features, int rows)
    {
        float[]? sum = null;
        foreach (var m in _members)
        {
            var p = m.PredictProbabilities(features, rows);
            if (sum is null) sum = p;
            else for (int i = 0; i < sum.Length; i++) sum[i] += p[i];
        }
        if (_members.Length > 1)
        {
            float n = _members.Length;
            for (int i = 0; i < sum!.Length; i++) sum[i] /= n;
        }
        return sum!;
    }

    private protected override string WriteOnnxCore(OnnxGraph graph, string input) =>
        graph.Mean(graph.Unique("ensemble"), _members.Select(m => m.WriteOnnx(graph, input)).ToArray());

    internal override ScorerTransformer ShareWeights()
    {
        ThrowIfDisposed();
        var members = new ScorerTransformer[_members.Length];
        var owned = new bool[_members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            var shared = _owned[i] ? _members[i].ShareWeights() : null;
            members[i] = shared ?? _members[i];
            owned[i] = shared is not null;
        }
        return new EnsembleTransformer(members, owned, Description, TrainingHistory);
    }

    private protected override void ReleaseResources()
    {
        for (int i = 0; i < _members.Length; i++)
            if (_owned[i]) _members[i].Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Description}: mean probabilities of {_members.Length} models";
}
