using Microsoft.ML;
using Microsoft.ML.Subspaces.Trainers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Early stopping on the MNIST-8k split: a line allowed 100 epochs, 20% of the training rows held out
/// (<c>ValidationFraction</c>), stopped after <c>EarlyStoppingPatience</c> epochs without a better center and returned with
/// the best epoch's weights. For reference, the same fit without early stopping is scored on the test rows after every
/// epoch (reported only, never used to choose), so that the early-stopped model's test accuracy can be put beside the
/// best any epoch reached.
/// </summary>
public static class EarlyStoppingSample
{
    public static int Run(SampleSettings options)
    {
        const int epochs = 100, patience = 5;
        var (train, test) = DigitDatasets.MnistSplit();
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        Console.WriteLine($"MNIST split: {train.Count} training rows (20% held out for validation), {test.Count} test rows; a line allowed {epochs} epochs, patience {patience}.");

        LineTrainerOptions Options(int? patienceEpochs) => new()
        {
            Epochs = epochs, ValidationFraction = 0.2, EarlyStoppingPatience = patienceEpochs, Seed = options.Seed,
        };
        using var stopped = ml.Subspaces().Trainers.Line(Options(patience)).Fit(trainData);
        var history = stopped.TrainingHistory;
        var best = history.MaxBy(h => h.ValidationAccuracy)!;
        double stoppedTest = ml.MulticlassClassification.Evaluate(stopped.Transform(testData)).MicroAccuracy;
        Console.WriteLine($"early stopping: trained {history.Count} of {epochs} epochs; best validation accuracy at the center {best.ValidationAccuracy:P2} in epoch {best.Epoch}; " +
                          $"returned the weights of epoch {best.Epoch}; test accuracy {stoppedTest:P2}.");

        // Reference: every epoch, the held-out rows kept out of training the same way, the test rows scored per epoch.
        var reference = Options(null);
        reference.ValidationFraction = 0;
        var split = ml.Data.TrainTestSplit(trainData, testFraction: 0.2, seed: options.Seed);
        using var full = ml.Subspaces().Trainers.Line(reference).Fit(split.TrainSet, testData);
        var perEpoch = full.TrainingHistory.Select(h => h.ValidationAccuracy ?? double.NaN).ToArray();
        int bestEpoch = Array.IndexOf(perEpoch, perEpoch.Max()) + 1;
        Console.WriteLine($"reference, {epochs} epochs without stopping: test accuracy {perEpoch[^1]:P2} after the last epoch, best {perEpoch.Max():P2} (epoch {bestEpoch}); " +
                          $"at epoch {best.Epoch} {perEpoch[best.Epoch - 1]:P2}.");
        double gap = (perEpoch.Max() - stoppedTest) * 100;
        Console.WriteLine($"early-stopped model's test accuracy vs the best epoch's: {-gap:+0.00;-0.00} points {(gap <= 0.3 ? "(within 0.3)" : "(MORE than 0.3 below)")}; " +
                          $"epochs saved: {epochs - history.Count}.");
        return 0;
    }
}
