using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Quality;

/// <summary>The automatic budget, and early stopping with the best epoch restored.</summary>
public class TrainingBudgetTests
{
    [Theory]
    [InlineData(8000, 128, 20)]    // 63 batches: 2500 steps would be 40 epochs; at most 20
    [InlineData(16_000, 128, 20)]  // 125 batches: exactly 2500 steps
    [InlineData(26_000, 128, 13)]  // 204 batches: 2500 steps
    [InlineData(600_000, 128, 10)] // large data: at least 10 epochs
    [InlineData(100, 128, 20)]     // one batch
    public void Automatic_epochs_aim_at_a_number_of_steps_within_bounds(long rows, int batch, int expected) =>
        Assert.Equal(expected, NeuralNetworkTrainerOptions.AutomaticEpochs(rows, batch));

    [Theory]
    [InlineData(1000, 128, 20, false, 1)]    // an MLP: one epoch whatever the size
    [InlineData(1000, 128, 20, true, 6.25)]  // an image network: 8 batches per epoch, 50 steps
    [InlineData(500, 128, 20, true, 10)]     // 4 batches: 50 steps would be 12.5 epochs; at most half of the 20
    [InlineData(6400, 128, 20, true, 1)]     // 50 batches: one epoch is already 50 steps
    [InlineData(3000, 128, 20, true, 50.0 / 24)] // 24 batches
    [InlineData(100, 128, 2, true, 1)]       // one batch per epoch, two epochs: never less than one epoch
    public void Automatic_warmup_is_an_epoch_and_for_image_networks_at_least_50_steps(long rows, int batch, int epochs, bool image, double expected) =>
        Assert.Equal(expected, NeuralNetworkTrainerOptions.AutomaticWarmupEpochs(rows, batch, epochs, image), 9);

    [Fact]
    public void A_convnet_on_a_few_images_warms_up_longer_than_an_mlp_and_a_set_warmup_wins()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 100));
        double[] LearningRates(NetworkArchitecture network, double? warmup)
        {
            var options = new StandardTrainerOptions { Epochs = 6, BatchSize = 10, LearningRate = 0.03, Device = "cpu", Seed = 2, WarmupEpochs = warmup };
            if (network == NetworkArchitecture.ConvNet)
            {
                options.Network = network;
                options.ImageShape = new[] { 1, 8, 8 };
                options.WidthMultiplier = 0.25;
            }
            else options.HiddenLayers = new[] { 8 };
            using var model = ml.Subspaces().Trainers.Standard(options).Fit(train);
            return model.TrainingHistory.Select(e => e.LearningRate).ToArray();
        }
        // 10 batches per epoch: the MLP warms up over one epoch; the ConvNet over 50 steps, at most half of 6 epochs: 30 steps.
        var mlp = LearningRates(NetworkArchitecture.Mlp, null);
        Assert.Equal(0.03, mlp[0], 9);
        var conv = LearningRates(NetworkArchitecture.ConvNet, null);
        Assert.Equal(0.01, conv[0], 9);
        Assert.Equal(0.02, conv[1], 9);
        Assert.Equal(0.03, conv[2], 9);
        Assert.True(conv[3] < 0.03, $"epoch 4 ended at {conv[3]}: the decay has not started");
        var set = LearningRates(NetworkArchitecture.ConvNet, 1);
        Assert.Equal(0.03, set[0], 9);
    }

    [Fact]
    public void A_warmup_longer_than_the_smallest_automatic_budget_is_accepted_at_construction()
    {
        var ml = new MLContext(seed: 1);
        // The automatic budget is unknown until the rows are: 12 warm-up epochs may fit it (20 epochs below 16,000 rows).
        var trainer = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { WarmupEpochs = 12 });
        Assert.NotNull(trainer);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { WarmupEpochs = 12, Epochs = 10 }));
        Assert.Equal("WarmupEpochs", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { WarmupEpochs = -1 }));
    }

    [Fact]
    public void A_fit_without_epochs_trains_the_automatic_budget()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 100));
        using var model = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8 }, BatchSize = 50, Device = "cpu" }).Fit(train);
        Assert.Equal(NeuralNetworkTrainerOptions.AutomaticEpochs(100, 50), model.TrainingHistory.Count);
    }

    /// <summary>600 optdigits rows to train on and the next 300 to validate on, labels as keys.</summary>
    private static (IDataView Train, IDataView Validation) OptdigitsWithValidation(MLContext ml)
    {
        var keys = TestData.MapLabelToKey(ml).Fit(TestData.View(ml, TestData.OptdigitsTrain, 0, 600));
        return (keys.Transform(TestData.View(ml, TestData.OptdigitsTrain, 0, 600)), keys.Transform(TestData.View(ml, TestData.OptdigitsTrain, 600, 300)));
    }

    /// <summary>A line allowed 60 epochs, stopping early on <paramref name="validation"/> with patience 2.</summary>
    private static LineTrainerOptions EarlyStopping(IDataView validation, int learningRateDrops = 0)
    {
        var options = TestData.SmallLine(epochs: 60, hidden: 32);
        options.ValidationSet = validation;
        options.EarlyStoppingPatience = 2;
        options.EarlyStoppingLearningRateDrops = learningRateDrops;
        options.LearningRate = 0.2; // noisy enough that the validation loss stops improving early
        options.Seed = 3;
        return options;
    }

    [Fact]
    public void Early_stopping_follows_the_temperature_scaled_loss_and_returns_its_best_epochs_weights()
    {
        var ml = new MLContext(seed: 1);
        var (train, validation) = OptdigitsWithValidation(ml);
        using var model = ml.Subspaces().Trainers.Line(EarlyStopping(validation)).Fit(train);
        var history = model.TrainingHistory;
        Assert.True(history.Count < 60, $"trained all {history.Count} epochs");
        int best = Enumerable.Range(0, history.Count).MinBy(i => history[i].ValidationTemperatureScaledLoss!.Value);
        Assert.Equal(history.Count - 1 - 2, best); // stopped after exactly `patience` epochs without a lower loss
        // Here the plain cross-entropy is lowest at another epoch: following it would have stopped elsewhere.
        Assert.NotEqual(Enumerable.Range(0, history.Count).MinBy(i => history[i].ValidationLoss!.Value), best);
        Assert.All(history, h => Assert.True(h.ValidationTemperatureScaledLoss <= h.ValidationLoss, $"epoch {h.Epoch}"));
        // The returned model is the best epoch's: its center scores that epoch's validation accuracy, its plain loss is
        // the cross-entropy ML.NET reports, and the loss followed is the lowest cross-entropy of its probabilities at any
        // temperature.
        var scored = model.Transform(validation);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.Equal(history[best].ValidationAccuracy!.Value, metrics.MicroAccuracy, 9);
        Assert.Equal(history[best].ValidationLoss!.Value, metrics.LogLoss, 4);
        var p = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = scored.GetColumn<uint>("Label").Select(k => (int)k - 1).ToArray();
        double lowest = TemperatureScaling.LowestMeanLoss(p.Length, (scale, i) => TemperatureScaling.CrossEntropy(scale, p[i], labels[i]));
        Assert.Equal(lowest, history[best].ValidationTemperatureScaledLoss!.Value, 4);
        Assert.True(lowest < history[best].ValidationLoss - 1e-3, $"temperature scaling gained nothing: {lowest} against {history[best].ValidationLoss}");
    }

    [Fact]
    public void Learning_rate_drops_go_back_to_the_best_weights_at_a_tenth_of_the_rate_before_stopping()
    {
        var ml = new MLContext(seed: 1);
        var (train, validation) = OptdigitsWithValidation(ml);
        using var plain = ml.Subspaces().Trainers.Line(EarlyStopping(validation)).Fit(train);
        using var dropped = ml.Subspaces().Trainers.Line(EarlyStopping(validation, learningRateDrops: 2)).Fit(train);
        var history = dropped.TrainingHistory;
        Assert.True(history.Count < 60, $"trained all {history.Count} epochs");
        var drops = Enumerable.Range(1, history.Count - 1).Where(e => history[e].LearningRate < 0.2 * history[e - 1].LearningRate).ToArray();
        Assert.Equal(2, drops.Length);
        // Until the first plateau, the same fit as without drops; the first drop comes where that fit stopped.
        Assert.Equal(plain.TrainingHistory.Count, drops[0]);
        Assert.Equal(plain.TrainingHistory.Select(h => h.ValidationTemperatureScaledLoss), history.Take(drops[0]).Select(h => h.ValidationTemperatureScaledLoss));
        // The epoch after a drop starts from the best weights so far (its rate a tenth, momentum aside): the best epoch's
        // loss is at most the plain fit's, and the returned model is the epoch with the lowest loss.
        int best = Enumerable.Range(0, history.Count).MinBy(i => history[i].ValidationTemperatureScaledLoss!.Value);
        Assert.True(history[best].ValidationTemperatureScaledLoss <= plain.TrainingHistory.Min(h => h.ValidationTemperatureScaledLoss));
        Assert.Equal(history.Count - 1 - 2, Math.Max(best, drops[1] - 1)); // stopped `patience` epochs after the best or the last drop
        var metrics = ml.MulticlassClassification.Evaluate(dropped.Transform(validation));
        Assert.Equal(history[best].ValidationAccuracy!.Value, metrics.MicroAccuracy, 9);
    }

    [Fact]
    public void A_learning_rate_drop_goes_on_from_the_best_epochs_weights()
    {
        TensorDataset Rows(int start, int count)
        {
            var rows = TestData.OptdigitsTrain.Slice(start, count);
            return TensorDataset.FromArrays(rows.Features, rows.Labels.Select(l => (long)l).ToArray(), 10);
        }
        using var train = Rows(0, 600);
        using var validation = Rows(600, 300);
        using var generator = new Generator(3, CPU);
        using var network = NetworkFactory.Create(new NetworkSpec { InputSize = 64, HiddenSizes = new[] { 32 }, ClassCount = 10, PointCount = 2 }, generator);
        float[] Weights() => network.SubspaceParameters.SelectMany(p => p.Points.detach().cpu().data<float>().ToArray()).ToArray();
        const int batch = 60; // 10 steps per epoch
        var atEpochEnd = new Dictionary<int, float[]>();
        var afterFirstStep = new Dictionary<int, float[]>();
        var loop = new SubspaceTrainingLoop(LineSubspace.Instance, new TrainingSettings
        {
            BatchSize = batch, Epochs = 60, LearningRate = 0.5, Seed = 3, Beta = 1, CenterPreserving = true,
            EarlyStoppingPatience = 2, EarlyStoppingLearningRateDrops = 1,
        })
        {
            AfterEpoch = e => atEpochEnd[e] = Weights(),
            AfterStep = s => { if (s % 10 == 1) afterFirstStep[(int)(s / 10) + 1] = Weights(); },
        };
        loop.Train(network, train, validation);
        var history = loop.History;
        int dropped = Enumerable.Range(1, history.Count - 1).First(e => history[e].LearningRate < 0.2 * history[e - 1].LearningRate) + 1; // 1-based
        int plateau = dropped - 1;
        int best = Enumerable.Range(1, plateau).MinBy(e => history[e - 1].ValidationTemperatureScaledLoss!.Value);
        Assert.NotEqual(best, plateau);
        static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
        // One step at a tenth of the rate after the drop: near the best epoch's weights, not the plateau's.
        double fromBest = Distance(afterFirstStep[dropped], atEpochEnd[best]);
        double plateauFromBest = Distance(atEpochEnd[plateau], atEpochEnd[best]);
        Assert.True(fromBest < 0.25 * plateauFromBest, $"after the drop {fromBest:G3} from the best epoch's weights; the plateau's were {plateauFromBest:G3} from them");
    }

    [Fact]
    public void Learning_rate_drops_without_early_stopping_or_below_zero_are_errors_naming_the_option()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 100));
        var options = TestData.SmallLine(epochs: 2, hidden: 8);
        options.ValidationFraction = 0.2;
        options.EarlyStoppingLearningRateDrops = 1;
        var e = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Equal("EarlyStoppingLearningRateDrops", e.ParamName);
        Assert.Contains("EarlyStoppingPatience", e.Message);
        options.EarlyStoppingPatience = 1;
        options.EarlyStoppingLearningRateDrops = -1;
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Equal("EarlyStoppingLearningRateDrops", negative.ParamName);
    }

    [Fact]
    public void A_held_out_fraction_is_not_trained_on_and_feeds_early_stopping()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 400));
        var options = TestData.SmallLine(epochs: 3, hidden: 16);
        options.BatchSize = 30;
        options.ValidationFraction = 0.25;
        options.EarlyStoppingPatience = 5;
        using var model = ml.Subspaces().Trainers.Line(options).Fit(train);
        Assert.All(model.TrainingHistory, e => Assert.NotNull(e.ValidationAccuracy));
        var progress = new List<TrainingProgress>();
        options.Progress = new Progress(progress);
        options.EarlyStoppingPatience = null;
        using var again = ml.Subspaces().Trainers.Line(options).Fit(train);
        Assert.Equal(10, progress.First(p => !p.IsEpochEnd).BatchesPerEpoch); // 300 of 400 rows trained, batches of 30
    }

    private sealed class Progress(List<TrainingProgress> sink) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => sink.Add(value);
    }

    [Fact]
    public void Early_stopping_without_validation_data_is_an_error_naming_it()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 100));
        var options = TestData.SmallLine(epochs: 2, hidden: 8);
        options.EarlyStoppingPatience = 1;
        var e = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Contains("validation", e.Message);
    }

    [Fact]
    public void A_last_step_that_leaves_non_finite_weights_is_an_error_not_a_model()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 64));
        var options = TestData.SmallLine(epochs: 1, hidden: 8);
        options.BatchSize = 64; // one optimizer step: the loss before it is finite
        options.LearningRate = 1e30;
        var e = Assert.Throws<InvalidOperationException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Contains("not finite", e.Message);
    }

    [Fact]
    public void A_validation_set_of_another_width_is_an_error_naming_both_widths()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 64));
        var narrow = ml.Data.LoadFromEnumerable(TestData.Rows(TestData.OptdigitsTrain, 64, 32).Select(r => new NarrowRow { Label = r.Label, Features = r.Features[..10] }));
        var options = TestData.SmallLine(epochs: 1, hidden: 8);
        options.ValidationSet = TestData.Keyed(ml, narrow);
        var e = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Contains("10 values per row", e.Message);
        Assert.Contains("64", e.Message);
    }

    public sealed class NarrowRow
    {
        public uint Label { get; set; }

        [Microsoft.ML.Data.VectorType(10)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void Only_trainers_that_can_restore_a_best_epoch_offer_early_stopping()
    {
        // An average (SWA), snapshots (FGE) or a bent curve cannot return "the best epoch": their options do not have it.
        foreach (var options in new[] { typeof(StochasticWeightAveragingOptions), typeof(FastGeometricEnsembleOptions), typeof(ConnectCurveOptions) })
            Assert.Null(options.GetProperty("EarlyStoppingPatience"));
        foreach (var options in new[] { typeof(StandardTrainerOptions), typeof(LineTrainerOptions), typeof(CurveTrainerOptions), typeof(SimplexTrainerOptions) })
            Assert.NotNull(options.GetProperty("EarlyStoppingPatience"));
    }

    [Fact]
    public void A_curve_between_fitted_models_has_no_network_options_to_ignore()
    {
        foreach (var name in new[] { "HiddenLayers", "Network", "FeatureColumnName", "StandardizeFeatures", "ImageShape" })
            Assert.Null(typeof(ConnectCurveOptions).GetProperty(name));
        Assert.NotNull(typeof(StochasticWeightAveragingOptions).GetProperty("Network"));
    }

    [Fact]
    public void A_held_out_fraction_of_a_single_row_is_an_error_naming_the_option()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 1));
        var options = TestData.SmallLine(epochs: 1, hidden: 4);
        options.ValidationFraction = 0.5;
        var e = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(options).Fit(train));
        Assert.Equal("ValidationFraction", e.ParamName);
    }
}
