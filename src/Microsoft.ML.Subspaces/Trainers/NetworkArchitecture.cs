namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>The network a trainer fits (every weight-bearing layer holds the subspace's points).</summary>
public enum NetworkArchitecture
{
    /// <summary>A multilayer perceptron with <see cref="NeuralNetworkTrainerOptions.HiddenLayers"/> (the default).</summary>
    Mlp,
    /// <summary>
    /// A small convolutional network for images (<see cref="Networks.SubspaceConvNet"/>): three 3x3 conv-BatchNorm-ReLU
    /// layers of 32, 64, 128 channels (times <see cref="NeuralNetworkTrainerOptions.WidthMultiplier"/>), max pooling,
    /// global average pooling, linear classifier. Images of at least 4x4 pixels.
    /// </summary>
    ConvNet,
    /// <summary>The CIFAR ResNet-20 of the subspace paper (<see cref="Networks.SubspaceResNet20"/>): 16, 32, 64 channels times <see cref="NeuralNetworkTrainerOptions.WidthMultiplier"/>.</summary>
    ResNet20,
}
