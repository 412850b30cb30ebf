using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>The training loss of a network's task (<see cref="NetworkSpec.Output"/>), on a batch of outputs and labels.</summary>
internal static class TaskLoss
{
    /// <summary>
    /// The loss of a batch, averaged over rows (weighted by <paramref name="weights"/> when given): cross-entropy for
    /// classes (labels int64), binary cross-entropy on the logit (labels 0/1 float32), squared error or Huber on the
    /// standardized label (float32). Label smoothing moves binary targets toward 1/2 as it moves classes toward uniform.
    /// </summary>
    public static Tensor Of(NetworkOutput output, Tensor outputs, Tensor labels, Tensor? weights, double labelSmoothing, double? huberDelta)
    {
        if (output == NetworkOutput.Softmax && weights is null)
            return nn.functional.cross_entropy(outputs, labels, label_smoothing: labelSmoothing);
        var perRow = PerRow(output, outputs, labels, labelSmoothing, huberDelta);
        if (weights is null) return perRow.mean();
        return (perRow * weights).sum() / weights.sum().ClampMin(1e-12);
    }

    private static Tensor PerRow(NetworkOutput output, Tensor outputs, Tensor labels, double labelSmoothing, double? huberDelta)
    {
        switch (output)
        {
            case NetworkOutput.Softmax:
                return nn.functional.cross_entropy(outputs, labels, reduction: nn.Reduction.None, label_smoothing: labelSmoothing);
            case NetworkOutput.Sigmoid:
                var target = labelSmoothing > 0 ? labels.Times(1 - labelSmoothing).Plus_(labelSmoothing / 2) : labels;
                return nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(1), target, reduction: nn.Reduction.None);
            case NetworkOutput.Linear:
                var prediction = outputs.squeeze(1);
                return huberDelta is double delta
                    ? nn.functional.huber_loss(prediction, labels, reduction: nn.Reduction.None, delta: delta)
                    : nn.functional.mse_loss(prediction, labels, reduction: nn.Reduction.None);
            default:
                throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown network output.");
        }
    }

    /// <summary>
    /// How well raw outputs fit labels, higher better (the validation score a history reports): accuracy for classes
    /// and for a binary logit (positive when above 0), minus the mean squared error of the standardized label for regression.
    /// Returns the sum over rows, to be divided by the row count.
    /// </summary>
    public static double ScoreSum(NetworkOutput output, Tensor outputs, Tensor labels) => output switch
    {
        NetworkOutput.Softmax => outputs.argmax(1).eq(labels).sum().item<long>(),
        NetworkOutput.Sigmoid => outputs.squeeze(1).GreaterThan(0).eq(labels.GreaterThan(0.5)).sum().item<long>(),
        NetworkOutput.Linear => -LossSum(output, outputs, labels),
        _ => throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown network output."),
    };

    /// <summary>
    /// The validation loss a history reports, summed over rows (to be divided by the row count): cross-entropy for
    /// classes, binary cross-entropy on the logit, the squared error of the standardized label for regression; without
    /// label smoothing, Huber or example weights, so that it measures the fit itself.
    /// </summary>
    public static double LossSum(NetworkOutput output, Tensor outputs, Tensor labels)
    {
        var sum = output switch
        {
            NetworkOutput.Softmax => nn.functional.cross_entropy(outputs, labels, reduction: nn.Reduction.Sum),
            NetworkOutput.Sigmoid => nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(1), labels, reduction: nn.Reduction.Sum),
            NetworkOutput.Linear => (outputs.squeeze(1) - labels).Squared().sum(),
            _ => throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown network output."),
        };
        return sum.to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>
    /// The validation loss early stopping follows, as a mean over the rows: for classes and a binary logit, the lowest
    /// mean cross-entropy of the outputs times one factor 1 / T (temperature scaling, T searched in
    /// [<see cref="LowestTemperature"/>, <see cref="HighestTemperature"/>]); for regression the mean of
    /// <see cref="LossSum"/>. A network that goes on fitting its training rows grows more confident, which raises its plain
    /// cross-entropy on held-out rows while its accuracy still improves; at its best temperature that confidence costs
    /// nothing, so this loss falls for as long as the network ranks the labels better. Smoother than accuracy, which moves
    /// in steps of one row.
    /// </summary>
    public static double TemperatureScaledLoss(NetworkOutput output, Tensor outputs, Tensor labels)
    {
        double rows = outputs.shape[0];
        if (output == NetworkOutput.Linear) return LossSum(output, outputs, labels) / rows;
        using var _ = no_grad();
        // The cross-entropy of s * outputs is convex in s, hence unimodal in ln s: a golden-section search finds its minimum.
        double At(double logScale)
        {
            using var scope = NewDisposeScope();
            return LossSum(output, outputs.Times(Math.Exp(logScale)), labels) / rows;
        }
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double low = -Math.Log(HighestTemperature), high = -Math.Log(LowestTemperature);
        double left = high - ratio * (high - low), right = low + ratio * (high - low);
        double atLeft = At(left), atRight = At(right);
        for (int i = 0; i < TemperatureSearchSteps; i++)
        {
            if (atLeft < atRight)
            {
                (high, right, atRight) = (right, left, atLeft);
                left = high - ratio * (high - low);
                atLeft = At(left);
            }
            else
            {
                (low, left, atLeft) = (left, right, atRight);
                right = low + ratio * (high - low);
                atRight = At(right);
            }
        }
        return Math.Min(atLeft, atRight);
    }

    /// <summary>The range of temperatures <see cref="TemperatureScaledLoss"/> searches.</summary>
    public const double LowestTemperature = 0.01, HighestTemperature = 100;

    private const int TemperatureSearchSteps = 30;
}
