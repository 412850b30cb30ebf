using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>From a network's raw outputs <c>[N, outputs]</c> to its predictions, by <see cref="NetworkSpec.Output"/>.</summary>
internal static class NetworkPredictions
{
    /// <summary>
    /// Class probabilities (softmax); for a binary logit z, the positive and the negative class's probabilities
    /// <c>[N, 2]</c>, <c>sigmoid(z)</c> and <c>sigmoid(-z)</c>; or the label in its own units <c>[N, 1]</c> (linear:
    /// <c>output * TargetStd + TargetMean</c>). Ensembles average these. Both binary probabilities are kept because in
    /// single precision <c>sigmoid(z)</c> is exactly 1 from z = 17 on, where the logit <c>Score</c> is taken from: the
    /// negative class's probability keeps it finite.
    /// </summary>
    public static Tensor Of(NetworkSpec spec, Tensor outputs) => spec.Output switch
    {
        NetworkOutput.Softmax => nn.functional.softmax(outputs, 1),
        NetworkOutput.Sigmoid => cat(new[] { outputs.sigmoid(), outputs.neg().sigmoid() }, 1),
        NetworkOutput.Linear => outputs.Times(spec.TargetStd).Plus_(spec.TargetMean),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Output, "Unknown network output."),
    };
}
