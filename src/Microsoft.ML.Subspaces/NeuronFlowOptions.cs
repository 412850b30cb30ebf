namespace Microsoft.ML.Subspaces;

/// <summary>
/// Options of the Flow and Bijection connections (<c>mlContext.Subspaces().Connections.FitFlow</c> and <c>FitBijection</c>):
/// the RealNVP bijection between neuron vectors and a latent space, and how it is fitted.
/// </summary>
public sealed class NeuronFlowOptions
{
    /// <summary>Affine coupling layers of the RealNVP bijection. Default 4.</summary>
    public int Couplings { get; set; } = 4;

    /// <summary>Width of the two hidden layers of each coupling's scale-and-shift network. Default 256.</summary>
    public int HiddenSize { get; set; } = 256;

    /// <summary>Flow: passes over the pooled neurons of the models (maximum likelihood). Default 100.</summary>
    public int Epochs { get; set; } = 100;

    /// <summary>Bijection: optimizer steps, each on a random pair of models, a random point t and a batch of rows. Default 1,000.</summary>
    public int Steps { get; set; } = 1000;

    /// <summary>Neurons (Flow) or training rows (Bijection) per step. Default 128.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>Adam's learning rate. Default 1e-3 for Flow; Bijection uses 1e-4 unless set (it starts from the identity and steers whole paths).</summary>
    public double? LearningRate { get; set; }

    /// <summary>Bijection: training rows read, a random subset of larger data. Default 10,000.</summary>
    public int MaxSampleRows { get; set; } = 10_000;

    /// <summary>Seed of the masks, the initialization, the batches and the pairs; drawn from the context when null.</summary>
    public int? Seed { get; set; }

    /// <summary>Cancels the fit between steps.</summary>
    public CancellationToken CancellationToken { get; set; }

    internal void Validate()
    {
        if (Couplings < 1) throw new ArgumentOutOfRangeException(nameof(Couplings), Couplings, "NeuronFlowOptions.Couplings must be at least 1.");
        if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "NeuronFlowOptions.HiddenSize must be at least 1.");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "NeuronFlowOptions.Epochs must be at least 1.");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "NeuronFlowOptions.Steps must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "NeuronFlowOptions.BatchSize must be at least 1.");
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr)))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), lr, "NeuronFlowOptions.LearningRate must be positive.");
        if (MaxSampleRows < 1) throw new ArgumentOutOfRangeException(nameof(MaxSampleRows), MaxSampleRows, "NeuronFlowOptions.MaxSampleRows must be at least 1.");
    }
}
