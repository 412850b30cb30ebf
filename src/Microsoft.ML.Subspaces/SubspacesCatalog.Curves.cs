using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces;

// Independent ensembles and straight segments between fitted models.
public sealed partial class SubspacesCatalog
{
    /// <summary>
    /// Combines fitted models of one task (same features column and size, same classes and label key values) into
    /// an ensemble that predicts with the mean of their probabilities: the independent-ensemble baseline. The
    /// ensemble shares the models' weights; disposing it does not dispose them, and the other way round.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, or the models solve different tasks.</exception>
    public EnsembleTransformer Ensemble(IEnumerable<ScorerTransformer> models) => EnsembleTransformer.Create(models);

    /// <summary>Combines fitted models of one task into an ensemble averaging their probabilities.</summary>
    /// <exception cref="ArgumentException">No models, or models that solve different tasks.</exception>
    public EnsembleTransformer Ensemble(params ScorerTransformer[] models) => EnsembleTransformer.Create(models);

    /// <summary>
    /// The straight segment <c>(1 - t) w_a + t w_b</c> between two fitted single-network models of one architecture
    /// and task: a line <see cref="SubspaceTransformer"/> whose points are the two networks (it predicts at the
    /// midpoint unless told otherwise). Use it with <see cref="EvaluatePath"/> to measure the barrier between them.
    /// </summary>
    /// <param name="start">The network at t = 0: a standard model, or a subspace model predicting at one point.</param>
    /// <param name="end">The network at t = 1.</param>
    /// <exception cref="ArgumentException">The models have different architectures, features or classes, or one predicts with an ensemble.</exception>
    public SubspaceTransformer Segment(SubspaceTransformer start, SubspaceTransformer end) => FittedNetworks.Segment(start, end);
}
