using System.Text.Json.Serialization;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// What a network's last layer predicts, which decides the training loss and how its outputs become predictions: the
/// task of the model.
/// </summary>
/// <remarks>Saved models name it in lower case; a file without it is a multiclass model (written before it existed).</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkOutput>))]
public enum NetworkOutput
{
    /// <summary>Multiclass classification: one output per class, softmax probabilities, cross-entropy loss.</summary>
    [JsonStringEnumMemberName("softmax")]
    Softmax,
    /// <summary>Binary classification: one output, the logit of the positive class; sigmoid probability, binary cross-entropy loss.</summary>
    [JsonStringEnumMemberName("sigmoid")]
    Sigmoid,
    /// <summary>
    /// Regression: one output, the standardized label; the prediction is <c>output * TargetStd + TargetMean</c>, the loss
    /// squared error (or Huber) on the standardized label.
    /// </summary>
    [JsonStringEnumMemberName("linear")]
    Linear,
}
