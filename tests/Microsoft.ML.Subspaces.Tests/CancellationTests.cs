using System.Diagnostics;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Every trainer honours its CancellationToken between batches: cancelled in the first epoch, Fit throws
/// OperationCanceledException within a second and leaves no tensor alive that it created.
/// </summary>
public class CancellationTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public CancellationTests(SmallLineFixture fixture) => _f = fixture;

    private IDataView Keyed => TestData.Keyed(_f.Context, _f.Train);

    /// <summary>Cancels synchronously at the given batch of the first epoch and remembers when.</summary>
    private sealed class CancelAt : IProgress<TrainingProgress>
    {
        private readonly int _batch;
        public CancelAt(int batch) => _batch = batch;
        public CancellationTokenSource Source { get; } = new();
        public Stopwatch? SinceCancel { get; private set; }

        public void Report(TrainingProgress value)
        {
            if (value.IsEpochEnd || value.Batch < _batch || Source.IsCancellationRequested) return;
            SinceCancel = Stopwatch.StartNew();
            Source.Cancel();
        }
    }

    private void AssertCancelsPromptlyAndCleanly<TOptions>(TOptions options, Func<TOptions, ITransformer> fit) where TOptions : TrainerOptionsBase
    {
        var cancel = new CancelAt(batch: 2);
        options.Progress = cancel;
        options.CancellationToken = cancel.Source.Token;
        options.BatchSize = 32;
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.ThrowsAny<OperationCanceledException>(() => fit(options));
        Assert.NotNull(cancel.SinceCancel);
        Assert.True(cancel.SinceCancel!.Elapsed < TimeSpan.FromSeconds(1), $"stopped {cancel.SinceCancel.Elapsed.TotalSeconds:F2}s after the cancel");
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"{after - before} tensors created by the cancelled fit are still alive");
    }

    [Fact]
    public void Line_trainer_cancels() =>
        AssertCancelsPromptlyAndCleanly(new LineTrainerOptions { HiddenLayers = new[] { 16 }, Epochs = 5, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.Line(o).Fit(Keyed));

    [Fact]
    public void Stochastic_weight_averaging_cancels() =>
        AssertCancelsPromptlyAndCleanly(new StochasticWeightAveragingOptions { HiddenLayers = new[] { 16 }, Epochs = 5, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.StochasticWeightAveraging(o).Fit(Keyed));

    [Fact]
    public void Fast_geometric_ensembling_cancels_from_a_fitted_model()
    {
        using var start = _f.Line.AtPoint(0.5);
        AssertCancelsPromptlyAndCleanly(new FastGeometricEnsembleOptions { Cycles = 4, CycleEpochs = 2, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.FastGeometricEnsemble(start, o).Fit(Keyed));
    }

    [Fact]
    public void Fast_geometric_ensembling_cancels_while_training_its_start() =>
        AssertCancelsPromptlyAndCleanly(new FastGeometricEnsembleOptions { HiddenLayers = new[] { 16 }, Epochs = 5, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.FastGeometricEnsemble(o).Fit(Keyed));

    [Fact]
    public void Snapshot_ensemble_cancels() =>
        AssertCancelsPromptlyAndCleanly(new SnapshotEnsembleOptions { HiddenLayers = new[] { 16 }, Epochs = 4, Cycles = 2, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.SnapshotEnsemble(o).Fit(Keyed));

    [Fact]
    public void Curve_between_fitted_models_cancels()
    {
        using var a = _f.Line.AtPoint(0);
        using var b = _f.Line.AtPoint(1);
        AssertCancelsPromptlyAndCleanly(new ConnectCurveOptions { Epochs = 5, Seed = 1 },
            o => _f.Context.Subspaces().Trainers.ConnectCurve(a, b, o).Fit(Keyed));
    }

    [Fact]
    public void Connection_with_training_data_cancels()
    {
        using var a = _f.Line.AtPoint(0);
        using var b = _f.Line.AtPoint(1);
        using var source = new CancellationTokenSource();
        source.Cancel();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.ThrowsAny<OperationCanceledException>(() => _f.Context.Subspaces().Connections.Connect(a, b, new ConnectionOptions
        {
            WeightAdjustment = true, TrainingData = _f.Train, CancellationToken = source.Token,
        }));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        // Not cancelled, the same connection builds.
        using var path = _f.Context.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightAdjustment = true, TrainingData = _f.Train });
        Assert.True(path.TransitionCount >= 1);
    }
}
