using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>Takes the single network out of fitted models and stacks networks into the points of a new subspace.</summary>
internal static class FittedNetworks
{
    /// <summary>
    /// A one-point copy of the network <paramref name="model"/> predicts with: its network for a standard model,
    /// the network at its prediction point for a subspace model (materialized). Ensembles of points have no single network.
    /// </summary>
    /// <exception cref="ArgumentException">The model predicts with an ensemble of several points.</exception>
    public static SubspaceNetwork Single(SubspaceTransformer model, string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(model, parameterName);
        model.ThrowIfDisposed();
        if (model.Positions.Count != 1)
            throw new ArgumentException(
                $"{char.ToUpperInvariant(name[0])}{name[1..]} predicts with an ensemble of {model.Positions.Count} points ({model.Prediction}); it has no single network. " +
                "Pick one point with WithPoint.", parameterName);
        return model.Weights.Network.Materialize(model.Shape.Coefficients(model.Positions[0]));
    }

    /// <summary>
    /// A network of <c>mix.Length</c> points on <paramref name="device"/> whose point j is
    /// <c>sum_i mix[j][i] * networks[i]</c> (a row with a single 1 copies that network exactly). Buffers come from the first network.
    /// </summary>
    public static SubspaceNetwork Stack(IReadOnlyList<SubspaceNetwork> networks, double[][] mix, Device device)
    {
        var spec = networks[0].Spec.WithPointCount(mix.Length);
        var result = NetworkFactory.Create(spec);
        try
        {
            result.to(device);
            using var _ = no_grad();
            var sources = networks.Select(n => n.SubspaceParameters.ToArray()).ToArray();
            var targets = result.SubspaceParameters.ToArray();
            for (int p = 0; p < targets.Length; p++)
            {
                using var scope = NewDisposeScope();
                var stacked = stack(sources.Select(s => s[p].Points[0].to(device)).ToArray());
                for (int j = 0; j < mix.Length; j++)
                {
                    using var slot = targets[p].Points[j];
                    slot.copy_(SubspaceParameter.MixPoints(stacked, mix[j]));
                }
            }
            var srcBuffers = networks[0].buffers().ToArray();
            var dstBuffers = result.buffers().ToArray();
            for (int i = 0; i < dstBuffers.Length; i++) dstBuffers[i].copy_(srcBuffers[i]);
            result.eval();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Checks the ends of a curve or segment and returns one-point copies of their networks.</summary>
    public static (SubspaceNetwork Start, SubspaceNetwork End) Ends(SubspaceTransformer start, SubspaceTransformer end)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        start.ThrowIfDisposed();
        end.ThrowIfDisposed();
        ModelCompatibility.CheckSameTask(new ScorerTransformer[] { start, end }, new[] { "the start model", "the end model" }, nameof(end));
        ModelCompatibility.CheckSameArchitecture(start.Network, "the start model", end.Network, "the end model", nameof(end));
        var a = Single(start, "the start model", nameof(start));
        try
        {
            return (a, Single(end, "the end model", nameof(end)));
        }
        catch
        {
            a.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The straight segment between two fitted single-network models: a line whose points are their networks, predicting
    /// at its midpoint. With BatchNorm, every point gets statistics recomputed over the training rows the start model kept
    /// for the same purpose (the stacked network carries only the start model's statistics).
    /// </summary>
    public static SubspaceTransformer Segment(SubspaceTransformer start, SubspaceTransformer end)
    {
        var (a, b) = Ends(start, end);
        try
        {
            var line = Stack(new[] { a, b }, new[] { new[] { 1.0, 0 }, new[] { 0, 1.0 } }, a.Device);
            var source = start.Weights.BatchNormSample is not null ? start.Weights : end.Weights;
            var sample = line.HasBatchNorm ? source.BatchNormSample?.clone().DetachFromDisposeScope() : null;
            return new SubspaceTransformer(new SharedNetwork(line, sample, source.BatchNormBatchSize), LineSubspace.Instance, start.FeatureColumnName, start.Labels,
                new[] { LineSubspace.Instance.Center }, "center", Array.Empty<Optimization.EpochSummary>());
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }
}
