using Microsoft.ML;
using Microsoft.ML.Subspaces.Trainers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Early stopping on the MNIST-8k split (or optdigits): a line allowed 100 epochs, 20% of the training rows held out for validation,
/// <c>EarlyStoppingPatience</c> epochs without a lower temperature-scaled validation loss at the center make a plateau; the first
/// <c>EarlyStoppingLearningRateDrops</c> plateaus go back to the best weights at a tenth of the learning rate, the next stops
/// the fit, which returns the best epoch's weights.
/// For reference, the same fit (same training rows, same seed, hence the same weights epoch by epoch) runs all 100 epochs
/// with the test rows scored after every epoch (reported only, never used to choose), so that the early-stopped model's
/// test accuracy can be put beside the best any epoch of that run reached.
/// </summary>
public static class EarlyStoppingSample
{
    public static int Run(EarlyStoppingSettings options)
    {
        const int epochs = 100;
        int patience = options.Patience;
        bool optdigits = options.Dataset == "optdigits";
        var (train, test) = optdigits ? (DigitDatasets.Optdigits("tra"), DigitDatasets.Optdigits("tes")) : DigitDatasets.MnistSplit();
        string name = optdigits ? "optdigits" : "MNIST split";
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        if (options.Validation)
        {
            // Where the sample's early-stopping settings were chosen: the test rows are replaced by 20% of the training rows.
            var outer = ml.Data.TrainTestSplit(trainData, testFraction: 0.2, seed: options.SplitSeed);
            (trainData, testData) = (outer.TrainSet, outer.TestSet);
        }
        string scored = options.Validation ? "scored rows (20% of the training rows)" : "test";
        // The held-out rows are split off here rather than by ValidationFraction, so that the reference below trains on
        // exactly the same rows and differs only in what it scores after each epoch.
        var split = ml.Data.TrainTestSplit(trainData, testFraction: 0.2, seed: options.Seed);
        Console.WriteLine((options.Validation
            ? $"{name}, validation mode: {train.Count} training rows, of which 20% are scored in place of the test rows and 20% of the rest held out for early stopping"
            : $"{name}: {train.Count} training rows (20% held out for validation), {test.Count} test rows") +
            $"; a line allowed {epochs} epochs, patience {patience}, {options.LearningRateDrops} learning-rate drops.");

        LineTrainerOptions Options(int? patienceEpochs) => new()
        {
            Epochs = epochs, EarlyStoppingPatience = patienceEpochs, EarlyStoppingLearningRateDrops = patienceEpochs is null ? 0 : options.LearningRateDrops,
            Seed = options.Seed,
        };
        using var stopped = ml.Subspaces().Trainers.Line(Options(patience)).Fit(split.TrainSet, split.TestSet);
        var history = stopped.TrainingHistory;
        var best = history.MinBy(h => h.ValidationTemperatureScaledLoss)!;
        double stoppedTest = ml.MulticlassClassification.Evaluate(stopped.Transform(testData)).MicroAccuracy;
        // Epochs after which a plateau divided the learning rate by 10 (the next epoch's rate is a tenth).
        var drops = Enumerable.Range(1, history.Count - 1).Where(i => history[i].LearningRate < 0.2 * history[i - 1].LearningRate).ToArray();
        Console.WriteLine($"early stopping: trained {history.Count} of {epochs} epochs{(drops.Length > 0 ? $" (learning rate divided by 10 after epoch{(drops.Length > 1 ? "s" : "")} {string.Join(", ", drops)})" : "")}; lowest temperature-scaled validation loss at the center {best.ValidationTemperatureScaledLoss:F4} in epoch {best.Epoch} (accuracy {best.ValidationAccuracy:P2}); " +
                          $"returned the weights of epoch {best.Epoch}; {scored} accuracy {stoppedTest:P2}.");

        using var full = ml.Subspaces().Trainers.Line(Options(null)).Fit(split.TrainSet, testData);
        var perEpoch = full.TrainingHistory.Select(h => h.ValidationAccuracy ?? double.NaN).ToArray();
        int bestEpoch = Array.IndexOf(perEpoch, perEpoch.Max()) + 1;
        Console.WriteLine($"reference, the same fit for {epochs} epochs without stopping: {scored} accuracy {perEpoch[^1]:P2} after the last epoch, best {perEpoch.Max():P2} (epoch {bestEpoch}); " +
                          (drops.Length > 0 && best.Epoch > drops[0]
                              ? $"the early-stopped model's epoch {best.Epoch} came after its first drop, off this run's path."
                              : $"at epoch {best.Epoch} {perEpoch[best.Epoch - 1]:P2}{(Math.Abs(perEpoch[best.Epoch - 1] - stoppedTest) < 1e-9 ? " (the early-stopped model's weights)" : " (NOT the early-stopped model's accuracy: the runs differ)")}."));
        double gap = (perEpoch.Max() - stoppedTest) * 100;
        Console.WriteLine($"early-stopped model's {scored} accuracy vs the best epoch's: {-gap + 0.0:+0.00;-0.00;0.00} points {(Math.Round(gap, 2) <= 0.3 ? "(within 0.3)" : "(MORE than 0.3 below)")}; " +
                          $"epochs saved: {epochs - history.Count}.");
        return 0;
    }
}
