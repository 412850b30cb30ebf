using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A layer whose parameters are k weight points stacked along dimension 0 (shape <c>[k, ...]</c>). The
/// weights used in the forward pass are <c>sum_i c_i * points[i]</c> for the coefficients set last.
/// </summary>
public interface ISubspaceLayer
{
    /// <summary>Number of weight points k.</summary>
    int PointCount { get; }

    /// <summary>Every parameter of the layer, each holding k points along dimension 0.</summary>
    IReadOnlyList<Parameter> PointParameters { get; }

    /// <summary>The weight points that enter the cos^2 regularizer (conv and linear weights); null for BatchNorm.</summary>
    Parameter? RegularizedWeight { get; }

    /// <summary>Sets the coefficients (a float tensor of length k on the layer's device) for the next forward passes.</summary>
    void SetCoefficients(Tensor coefficients);
}
