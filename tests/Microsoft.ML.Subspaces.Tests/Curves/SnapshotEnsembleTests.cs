using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Curves;

[Collection("Curves")]
public sealed class SnapshotEnsembleTests(CurveFixture f)
{
    [Fact]
    public void CosineRestartsFallWithinACycleAndRestart()
    {
        var schedule = new CosineRestartsLearningRate(0.1, 10);
        Assert.Equal(0.1, schedule.At(0, 30), 12);
        Assert.Equal(0.05, schedule.At(5, 30), 12);
        Assert.True(schedule.At(9, 30) < 0.003);
        Assert.Equal(0.1, schedule.At(10, 30), 12); // restart
        for (int s = 1; s < 10; s++) Assert.True(schedule.At(s, 30) < schedule.At(s - 1, 30));
        Assert.False(schedule.IsCycleEnd(9));
        Assert.True(schedule.IsCycleEnd(10));
        Assert.True(schedule.IsCycleEnd(30));
    }

    [Fact]
    public void CyclesRestartAtTwiceTheLibraryRateUnlessTheUserSetsOne()
    {
        Assert.Equal(0.1, new SnapshotEnsembleOptions().PeakLearningRate);
        Assert.Equal(0.02, new SnapshotEnsembleOptions { LearningRate = 0.02 }.PeakLearningRate);
        Assert.Equal(0.001, new SnapshotEnsembleOptions { Optimizer = OptimizerKind.AdamW }.PeakLearningRate);
    }

    [Fact]
    public void WarmupRampsOnlyTheFirstCycle()
    {
        var schedule = new CosineRestartsLearningRate(0.1, 20, warmupSteps: 4);
        Assert.Equal(0.025, schedule.At(0, 60), 12);
        Assert.Equal(0.1, schedule.At(3, 60), 12); // end of the ramp
        Assert.Equal(0.1, schedule.At(4, 60), 12); // the first cycle's cosine starts at the peak
        Assert.Equal(0.05, schedule.At(12, 60), 12); // halfway through its 16 annealing steps
        Assert.True(schedule.At(19, 60) < 0.002);
        Assert.Equal(0.1, schedule.At(20, 60), 12); // later cycles restart at the peak, no ramp
        Assert.Equal(schedule.At(25, 60), new CosineRestartsLearningRate(0.1, 20).At(25, 60), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineRestartsLearningRate(0.1, 20, warmupSteps: 20));
    }

    [Fact]
    public void WarmupEveryCycleRampsEveryRestart()
    {
        var schedule = new CosineRestartsLearningRate(0.1, 20, warmupSteps: 4, warmupEveryCycle: true);
        var firstOnly = new CosineRestartsLearningRate(0.1, 20, warmupSteps: 4);
        for (int step = 0; step < 20; step++)
        {
            Assert.Equal(firstOnly.At(step, 60), schedule.At(step, 60), 12); // the first cycle as before
            Assert.Equal(schedule.At(step, 60), schedule.At(step + 20, 60), 12); // every cycle the same
            Assert.Equal(schedule.At(step, 60), schedule.At(step + 40, 60), 12);
        }
        Assert.Equal(0.025, schedule.At(20, 60), 12); // the restart ramps from 0 again
        Assert.Equal(0.05, schedule.At(32, 60), 12);
    }

    [Fact]
    public void CollectsOneDistinctSnapshotAtTheEndOfEveryCycle()
    {
        var reports = new Collect<SnapshotProgress>();
        var options = new SnapshotEnsembleOptions
        {
            Cycles = 3, Epochs = 3, HiddenLayers = new[] { CurveFixture.Hidden }, BatchSize = CurveFixture.BatchSize, Seed = 4, SnapshotProgress = reports,
            WarmupEpochs = 0, // the paper's schedule: every cycle anneals over all of its steps
        };
        using var sse = f.Ml.Subspaces().Trainers.SnapshotEnsemble(options).Fit(f.Train, f.Test);

        Assert.Equal(3, sse.Members.Count);
        long cycle = reports.Items[0].Step;
        Assert.Equal(new[] { cycle, 2 * cycle, 3 * cycle }, reports.Items.Select(r => r.Step));
        Assert.All(reports.Items, r => Assert.True(r.LearningRate < options.PeakLearningRate * 0.01, $"snapshot taken at lr {r.LearningRate}, not at the cycle's end"));
        var p0 = sse.Members[0].PredictProbabilities(f.TestFeatures);
        var p2 = sse.Members[2].PredictProbabilities(f.TestFeatures);
        Assert.NotEqual(p0, p2);
        // The ensemble averages its members' probabilities.
        var mean = sse.Members.Select(m => m.PredictProbabilities(f.TestFeatures)).Aggregate((a, b) => a.Zip(b, (x, y) => x + y).ToArray()).Select(v => v / 3).ToArray();
        TestData.AssertClose(mean, sse.PredictProbabilities(f.TestFeatures), 1e-5, "ensemble");
        Assert.NotNull(reports.Items[^1].EnsembleAccuracy);
        Assert.True(reports.Items[^1].EnsembleAccuracy > 0.5, $"ensemble validation accuracy {reports.Items[^1].EnsembleAccuracy:P1}");
    }

    [Fact]
    public void MoreCyclesThanEpochsIsAnErrorNamingCycles()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => f.Ml.Subspaces().Trainers.SnapshotEnsemble(new SnapshotEnsembleOptions { Cycles = 5, Epochs = 3 }));
        Assert.Equal("Cycles", e.ParamName);
    }
}
