using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Curves;

[Collection("Curves")]
public sealed class FastGeometricEnsembleTests(CurveFixture f)
{
    [Fact]
    public void CollectsOneSnapshotPerCycleAtTheLowPointAndLogsTheRunningEnsemble()
    {
        var reports = new Collect<SnapshotProgress>();
        var batches = new Collect<TrainingProgress>();
        var options = new FastGeometricEnsembleOptions
        {
            Cycles = 3, CycleIterations = 4, LearningRate1 = 0.05, LearningRate2 = 0.001, Seed = 2,
            SnapshotProgress = reports, Progress = batches,
        };
        var messages = new List<string>();
        EventHandler<LoggingEventArgs> log = (_, e) => { lock (messages) messages.Add(e.Message); };
        var before = f.A.PredictProbabilities(f.TestFeatures);
        f.Ml.Log += log;
        EnsembleTransformer fitted;
        try { fitted = f.Ml.Subspaces().Trainers.FastGeometricEnsemble(f.A, options).Fit(f.Train, f.Test); }
        finally { f.Ml.Log -= log; }
        using var fge = fitted;

        Assert.Equal(3, fge.Members.Count);
        Assert.Equal(new long[] { 2, 6, 10 }, reports.Items.Select(r => r.Step));
        Assert.All(reports.Items, r => Assert.Equal(0.001 + (0.05 - 0.001) * 2 / 4, r.LearningRate, 12)); // the step before the low point
        Assert.All(reports.Items, r => Assert.NotNull(r.EnsembleAccuracy));
        Assert.Equal(10, batches.Items.Count(p => !p.IsEpochEnd)); // (3 - 1/2) cycles of 4 steps
        lock (messages) Assert.Contains(messages, m => m.Contains("FGE snapshot 3/3") && m.Contains("ensemble of 3"));

        // Snapshots differ from each other and from the start; the start model is untouched.
        var p0 = fge.Members[0].PredictProbabilities(f.TestFeatures);
        var p2 = fge.Members[2].PredictProbabilities(f.TestFeatures);
        Assert.NotEqual(p0, p2);
        Assert.NotEqual(before, p0);
        Assert.Equal(before, f.A.PredictProbabilities(f.TestFeatures));

        // The last report's ensemble accuracy is the ensemble's accuracy on the validation set.
        var metrics = f.Ml.Subspaces().Evaluate(fge.Transform(f.Test));
        Assert.Equal(metrics.Accuracy, reports.Items[^1].EnsembleAccuracy!.Value, 6);
    }

    [Fact]
    public void TrainsItsOwnStartWhenNoModelIsGiven()
    {
        var options = new FastGeometricEnsembleOptions
        {
            Epochs = 2, HiddenLayers = new[] { 8 }, Cycles = 2, CycleEpochs = 2, Seed = 4, BatchSize = 32,
        };
        using var fge = f.Ml.Subspaces().Trainers.FastGeometricEnsemble(options).Fit(f.Train);
        Assert.Equal(2, fge.Members.Count);
        // 2 epochs of pretraining + (2 - 1/2) cycles of 2 epochs = 5 epochs.
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, fge.TrainingHistory.Select(e => e.Epoch));
        Assert.True(f.Ml.Subspaces().Evaluate(fge.Transform(f.Test)).Accuracy > 0.5);
    }

    [Theory]
    [InlineData(3, null)]
    [InlineData(2, 5)]
    [InlineData(0, null)]
    public void OddOrEmptyCyclesAreRejected(int cycleEpochs, int? cycleIterations)
    {
        var options = new FastGeometricEnsembleOptions { CycleEpochs = cycleEpochs, CycleIterations = cycleIterations };
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Ml.Subspaces().Trainers.FastGeometricEnsemble(f.A, options));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Ml.Subspaces().Trainers.FastGeometricEnsemble(f.A, new FastGeometricEnsembleOptions { Cycles = 0 }));
    }

    [Fact]
    public void NetworkOptionsFromAFittedModelAreAnErrorNamingTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Trainers.FastGeometricEnsemble(f.A, new FastGeometricEnsembleOptions { HiddenLayers = new[] { 8 } }));
        Assert.Equal("HiddenLayers", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Trainers.FastGeometricEnsemble(f.A,
            new FastGeometricEnsembleOptions { Network = Microsoft.ML.Subspaces.Networks.NetworkArchitecture.ConvNet }));
        Assert.Equal("Network", e.ParamName);
    }
}
