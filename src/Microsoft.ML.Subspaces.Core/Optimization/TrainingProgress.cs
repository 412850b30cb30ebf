namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>A progress report: sent after every batch and at the end of every epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches per epoch.</param>
/// <param name="Loss">Mean training loss over the epoch's batches so far (cross-entropy plus regularizer).</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="IsEpochEnd">True for the report closing an epoch.</param>
/// <param name="ValidationAccuracy">
/// At an epoch's end, accuracy on the validation set at the shape's center, when one was given (for regression, minus the
/// mean squared error of the label in standard deviations: higher is better, as for accuracy).
/// </param>
/// <param name="ValidationLoss">
/// At an epoch's end, the mean loss on the validation set at the shape's center, when one was given: cross-entropy
/// (binary cross-entropy for two classes; ML.NET's <c>LogLoss</c>), or the squared error of the label in standard
/// deviations for regression.
/// </param>
/// <param name="ValidationTemperatureScaledLoss">
/// At an epoch's end, the validation loss at the center after temperature scaling, which early stopping follows: the
/// lowest cross-entropy of the center's logits divided by one temperature (at most <paramref name="ValidationLoss"/>);
/// for regression, <paramref name="ValidationLoss"/> itself. Unlike the plain loss it does not rise when the network only
/// grows more confident, so it goes on falling for as long as the network ranks the labels better.
/// </param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Batch, int BatchesPerEpoch, double Loss, double LearningRate, TimeSpan Elapsed,
    bool IsEpochEnd, double? ValidationAccuracy = null, double? ValidationLoss = null, double? ValidationTemperatureScaledLoss = null)
{
    /// <summary>Estimated time left, extrapolated from the batches done.</summary>
    public TimeSpan Remaining
    {
        get
        {
            long done = (long)(Epoch - 1) * BatchesPerEpoch + Batch;
            long total = (long)Epochs * BatchesPerEpoch;
            return done <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Elapsed.Ticks * (total - done) / done);
        }
    }
}

/// <summary>One epoch's summary in a training history (the validation values as in <see cref="TrainingProgress"/>).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Loss">Mean training loss over the epoch's batches.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Seconds">Seconds the epoch took.</param>
/// <param name="ValidationAccuracy">The validation score at the center, when validation data was given.</param>
/// <param name="ValidationLoss">The validation loss at the center, when validation data was given.</param>
/// <param name="ValidationTemperatureScaledLoss">The validation loss at the center after temperature scaling, when validation data was given (what early stopping follows).</param>
public sealed record EpochSummary(int Epoch, double Loss, double LearningRate, double Seconds, double? ValidationAccuracy, double? ValidationLoss = null, double? ValidationTemperatureScaledLoss = null);
