using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>From a network's raw outputs <c>[N, outputs]</c> to its predictions, by <see cref="NetworkSpec.Output"/>.</summary>
internal static class NetworkPredictions
{
    /// <summary>
    /// Class probabilities (softmax), the positive class's probability <c>[N, 1]</c> (sigmoid), or the label in its own
    /// units <c>[N, 1]</c> (linear: <c>output * TargetStd + TargetMean</c>). Ensembles average these.
    /// </summary>
    public static Tensor Of(NetworkSpec spec, Tensor outputs) => spec.Output switch
    {
        NetworkOutput.Softmax => nn.functional.softmax(outputs, 1),
        NetworkOutput.Sigmoid => outputs.sigmoid(),
        NetworkOutput.Linear => outputs.Times(spec.TargetStd).Plus_(spec.TargetMean),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Output, "Unknown network output."),
    };
}
