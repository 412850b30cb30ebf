namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>The network a trainer fits (every weight-bearing layer holds the subspace's points).</summary>
public enum NetworkArchitecture
{
    /// <summary>A multilayer perceptron with <see cref="NeuralNetworkTrainerOptions.HiddenLayers"/> (the default).</summary>
    Mlp,
    /// <summary>
    /// A small convolutional network for images (<see cref="Networks.SubspaceConvNet"/>): three blocks of 3x3 conv,
    /// BatchNorm, ReLU and 2x2 max pooling with 32, 64, 128 channels (times <see cref="NeuralNetworkTrainerOptions.WidthMultiplier"/>),
    /// then a linear classifier on the flattened features. Images of at least 8x8 pixels. With the input standardized per
    /// channel (<see cref="NeuralNetworkTrainerOptions.StandardizeFeatures"/>, the default) the default learning rate 0.05
    /// trains it: 98.4% on a validation split of the MNIST PNGs in the automatic 20 epochs (on raw [0, 1] pixels, 0.05 and
    /// above had made the first epoch unstable).
    /// </summary>
    ConvNet,
    /// <summary>The CIFAR ResNet-20 of the subspace paper (<see cref="Networks.SubspaceResNet20"/>): 16, 32, 64 channels times <see cref="NeuralNetworkTrainerOptions.WidthMultiplier"/>.</summary>
    ResNet20,
}
