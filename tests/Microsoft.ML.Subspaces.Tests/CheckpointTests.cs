using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Checkpoints: a fit stopped after epoch 3 of 6 (cancelled, as a kill between epochs would leave it) and started again
/// with the same options ends with exactly the weights of an uninterrupted 6-epoch fit; for SGD and AdamW, a line with
/// dropout, early stopping's state, and a checkpoint of another fit refused by name.
/// </summary>
public class CheckpointTests
{
    private static IDataView Train(MLContext ml) => TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 500));

    private static LineTrainerOptions Options(string? directory, OptimizerKind optimizer = OptimizerKind.Sgd) => new()
    {
        HiddenLayers = new[] { 24 }, Epochs = 6, BatchSize = 64, Device = "cpu", Seed = 4, Dropout = 0.1, Optimizer = optimizer,
        CheckpointDirectory = directory,
    };

    private static float[][] Weights(SubspaceTransformer model) =>
        model.Weights.Network.SubspaceParameters.Select(p => p.Points.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>A fit stopping early on 20% of its rows held out, patience 2, noisy enough to stop within a few epochs.</summary>
    private static LineTrainerOptions EarlyStopping(string? directory, int epochs, int learningRateDrops = 0)
    {
        var o = Options(directory);
        o.Epochs = epochs;
        o.ValidationFraction = 0.2;
        o.EarlyStoppingPatience = 2;
        o.EarlyStoppingLearningRateDrops = learningRateDrops;
        o.LearningRate = 0.5; // noisy: the validation loss stops improving early
        return o;
    }

    private static void AssertSameWeights(SubspaceTransformer expected, SubspaceTransformer actual)
    {
        var e = Weights(expected);
        var a = Weights(actual);
        for (int p = 0; p < e.Length; p++) Assert.Equal(e[p], a[p]);
    }

    /// <summary>
    /// A fit with <paramref name="options"/> checkpointing to <paramref name="directory"/>, killed after epoch
    /// <paramref name="killedAfter"/> (cancelled at that epoch's end: its checkpoint is written, the next batch throws) and
    /// started again with the same options; <paramref name="resumedEpochs"/> collects the epochs the second fit trains.
    /// </summary>
    private static SubspaceTransformer KilledAndResumed(Func<string?, LineTrainerOptions> options, string directory, int killedAfter, List<int>? resumedEpochs = null)
    {
        using var cancel = new CancellationTokenSource();
        var first = options(directory);
        first.CancellationToken = cancel.Token;
        first.Progress = new Collect<TrainingProgress>(p => { if (p.IsEpochEnd && p.Epoch == killedAfter) cancel.Cancel(); });
        var ml = new MLContext(seed: 1);
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Subspaces().Trainers.Line(first).Fit(Train(ml)));
        Assert.True(File.Exists(Path.Combine(directory, "checkpoint.bin")));
        var second = options(directory);
        if (resumedEpochs is not null) second.Progress = new Collect<TrainingProgress>(p => { if (p.IsEpochEnd) resumedEpochs.Add(p.Epoch); });
        return new MLContext(seed: 1).Subspaces().Trainers.Line(second).Fit(Train(new MLContext(seed: 1)));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void AFitStoppedAfterEpochThreeAndResumedEndsWithTheUninterruptedWeights(OptimizerKind optimizer)
    {
        string directory = Directory.CreateTempSubdirectory("checkpoints").FullName;
        try
        {
            using var uninterrupted = new MLContext(seed: 1).Subspaces().Trainers.Line(Options(null, optimizer)).Fit(Train(new MLContext(seed: 1)));
            var epochs = new List<int>();
            using var resumed = KilledAndResumed(dir => Options(dir, optimizer), directory, killedAfter: 3, epochs);
            Assert.Equal(new[] { 4, 5, 6 }, epochs); // only the missing epochs were trained
            Assert.Equal(6, resumed.TrainingHistory.Count);
            AssertSameWeights(uninterrupted, resumed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ACheckpointOfAnotherFitIsRefusedByName()
    {
        string directory = Directory.CreateTempSubdirectory("checkpoints").FullName;
        try
        {
            var ml = new MLContext(seed: 1);
            using (ml.Subspaces().Trainers.Line(Options(directory)).Fit(Train(ml))) { }
            var other = Options(directory);
            other.Seed = 5;
            var e = Assert.Throws<InvalidDataException>(() => ml.Subspaces().Trainers.Line(other).Fit(Train(ml)));
            Assert.Contains("checkpoint.bin", e.Message);
            Assert.Contains("another fit", e.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EarlyStoppingsBestEpochSurvivesAResume()
    {
        string directory = Directory.CreateTempSubdirectory("checkpoints").FullName;
        try
        {
            LineTrainerOptions Early(string? dir) => EarlyStopping(dir, epochs: 8);
            using var uninterrupted = new MLContext(seed: 1).Subspaces().Trainers.Line(Early(null)).Fit(Train(new MLContext(seed: 1)));
            using var resumed = KilledAndResumed(Early, directory, killedAfter: 2);
            Assert.True(uninterrupted.TrainingHistory.Count < 8, "the fit did not stop early");
            Assert.Equal(uninterrupted.TrainingHistory.Select(h => (h.ValidationLoss, h.ValidationTemperatureScaledLoss)), resumed.TrainingHistory.Select(h => (h.ValidationLoss, h.ValidationTemperatureScaledLoss)));
            AssertSameWeights(uninterrupted, resumed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_fit_resumed_after_a_learning_rate_drop_ends_with_the_uninterrupted_weights()
    {
        string directory = Directory.CreateTempSubdirectory("checkpoints").FullName;
        try
        {
            LineTrainerOptions Early(string? dir) => EarlyStopping(dir, epochs: 12, learningRateDrops: 1);
            using var uninterrupted = new MLContext(seed: 1).Subspaces().Trainers.Line(Early(null)).Fit(Train(new MLContext(seed: 1)));
            var rates = uninterrupted.TrainingHistory.Select(h => h.LearningRate).ToArray();
            int drop = Enumerable.Range(1, rates.Length - 1).First(e => rates[e] < 0.2 * rates[e - 1]); // the first epoch at the lower rate (0-based)
            Assert.True(drop < rates.Length - 1, "no epoch after the drop to resume into");

            // Killed right after the epoch whose plateau dropped the rate: the checkpoint holds the drop.
            using var resumed = KilledAndResumed(Early, directory, killedAfter: drop);
            Assert.Equal(rates, resumed.TrainingHistory.Select(h => h.LearningRate));
            AssertSameWeights(uninterrupted, resumed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
