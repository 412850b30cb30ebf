using System.Text.Json.Serialization;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>The network a trainer fits (every weight-bearing layer holds the subspace's points).</summary>
/// <remarks>Saved models name it in lower case ("mlp", "convnet", "resnet20"), as files written before it was an enum do.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkArchitecture>))]
public enum NetworkArchitecture
{
    /// <summary>A multilayer perceptron with the trainer options' <c>HiddenLayers</c> (the default).</summary>
    [JsonStringEnumMemberName("mlp")]
    Mlp,
    /// <summary>
    /// A small convolutional network for images (<see cref="SubspaceConvNet"/>): three blocks of 3x3 conv, BatchNorm, ReLU
    /// and 2x2 max pooling with 32, 64, 128 channels (times the options' <c>WidthMultiplier</c>), then a linear classifier
    /// on the flattened features. Images of at least 8x8 pixels. With the input standardized per channel (the options'
    /// <c>StandardizeFeatures</c>, the default) the default learning rate 0.05 trains it: 98.4% on a validation split of
    /// the MNIST PNGs in the automatic 20 epochs (on raw [0, 1] pixels, 0.05 and above had made the first epoch unstable).
    /// </summary>
    [JsonStringEnumMemberName("convnet")]
    ConvNet,
    /// <summary>The CIFAR ResNet-20 of the subspace paper (<see cref="SubspaceResNet20"/>): 16, 32, 64 channels times the options' <c>WidthMultiplier</c>.</summary>
    [JsonStringEnumMemberName("resnet20")]
    ResNet20,
}
