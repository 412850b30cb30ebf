using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Tasks;

/// <summary>A synthetic regression row: 8 features, a label in units far from 1.</summary>
public sealed class ValueRow
{
    public float Label { get; set; }

    [VectorType(8)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

public sealed class ValuePrediction
{
    public float Score { get; set; }
}

/// <summary>
/// Regression (<c>mlContext.Subspaces().Regression.Trainers</c>): a Single label standardized inside the model, a
/// <c>Score</c> that <c>Regression.Evaluate</c> and <c>PredictionEngine</c> take; ensembles average predictions; clear errors
/// for NaN and non-Single labels; save, load and ONNX export keep the predictions.
/// </summary>
public class RegressionTests : IClassFixture<RegressionTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Context = new MLContext(seed: 1);
            TrainRows = Rows(1000, seed: 1, scale: 1);
            Train = Context.Data.LoadFromEnumerable(TrainRows);
            Test = Context.Data.LoadFromEnumerable(Rows(300, seed: 2, scale: 1));
            Line = Context.Subspaces().Regression.Trainers.Line(Options(seed: 3)).Fit(Train);
        }

        public MLContext Context { get; }
        public List<ValueRow> TrainRows { get; }
        public IDataView Train { get; }
        public IDataView Test { get; }
        public SubspaceTransformer Line { get; }
        public void Dispose() => Line.Dispose();
    }

    private readonly Fixture _f;
    public RegressionTests(Fixture fixture) => _f = fixture;

    /// <summary>y = scale * (2000 + 300 x0 - 200 x1 + 100 x2 x3 + noise), x uniform in [-1, 1].</summary>
    internal static List<ValueRow> Rows(int count, int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var x = Enumerable.Range(0, 8).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            double y = 2000 + 300 * x[0] - 200 * x[1] + 100 * x[2] * x[3] + 10 * (random.NextDouble() - 0.5);
            return new ValueRow { Features = x, Label = (float)(y * scale) };
        }).ToList();
    }

    internal static LineTrainerOptions Options(int seed) => new() { HiddenLayers = new[] { 32 }, Epochs = 16, BatchSize = 64, Device = "cpu", Seed = seed };

    [Fact]
    public void RegressionEvaluateReadsTheScoreAndTheErrorIsSmallInTheLabelsUnits()
    {
        var scored = _f.Line.Transform(_f.Test);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Null(scored.Schema.GetColumnOrNull("PredictedLabel"));
        Assert.Equal(NetworkOutput.Linear, _f.Line.Output);
        var metrics = _f.Context.Regression.Evaluate(scored);
        // The label's standard deviation is about 210; a model that learned nothing has an RMSE near that.
        Assert.True(metrics.RootMeanSquaredError < 40, $"RMSE {metrics.RootMeanSquaredError:F1}");
        Assert.True(metrics.RSquared > 0.95, $"R^2 {metrics.RSquared:F3}");
        // The label is standardized inside the model: its mean and standard deviation are in the spec.
        Assert.Equal(_f.TrainRows.Average(r => r.Label), _f.Line.Network.TargetMean, 0);
        Assert.InRange(_f.Line.Network.TargetStd, 150, 300);
    }

    [Fact]
    public void LabelsInOtherUnitsGiveTheSamePredictionsInThoseUnits()
    {
        var thousandfold = _f.Context.Data.LoadFromEnumerable(_f.TrainRows.Select(r => new ValueRow { Features = r.Features, Label = r.Label * 1000 }));
        using var scaled = _f.Context.Subspaces().Regression.Trainers.Line(Options(seed: 3)).Fit(thousandfold);
        var a = _f.Line.Transform(_f.Test).GetColumn<float>("Score").ToArray();
        var b = scaled.Transform(_f.Test).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i] * 1000, b[i], a[i] * 1000 * 1e-3);
    }

    [Fact]
    public void AnEnsembleAveragesThePredictionsOfItsPoints()
    {
        using var ends = _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints);
        using var start = _f.Line.WithPoint(0);
        using var end = _f.Line.WithPoint(1);
        var e = ends.Transform(_f.Test).GetColumn<float>("Score").ToArray();
        var p0 = start.Transform(_f.Test).GetColumn<float>("Score").ToArray();
        var p1 = end.Transform(_f.Test).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal((p0[i] + p1[i]) / 2, e[i], 2);
    }

    [Fact]
    public void SavedLoadedPredictedOneRowAtATimeAndExportedToOnnx()
    {
        string path = Path.Combine(Path.GetTempPath(), $"regression-{Guid.NewGuid():N}.zip");
        try
        {
            _f.Context.Subspaces().Model.Save(_f.Line, _f.Train.Schema, path);
            var loaded = _f.Context.Subspaces().Model.Load(path, out _);
            var expected = _f.Line.Transform(_f.Test).GetColumn<float>("Score").ToArray();
            Assert.Equal(expected, loaded.Transform(_f.Test).GetColumn<float>("Score").ToArray());
            using var engine = _f.Context.Model.CreatePredictionEngine<ValueRow, ValuePrediction>(loaded);
            var first = _f.Test.GetColumn<float[]>("Features").First();
            Assert.Equal(expected[0], engine.Predict(new ValueRow { Features = first }).Score, expected[0] * 1e-5); // one row against a batch

            using var stream = new MemoryStream();
            _f.Context.Subspaces().Model.ExportOnnx(_f.Line, stream);
            using var session = new InferenceSession(stream.ToArray());
            var features = _f.Test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(features, new[] { expected.Length, 8 })) });
            var onnx = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - onnx[i]) <= 1e-3, $"row {i}: {expected[i]} vs {onnx[i]}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ANaNLabelIsAnErrorNamingTheColumnAndRow()
    {
        var rows = Rows(40, seed: 4, scale: 1);
        rows[17].Label = float.NaN;
        var e = Assert.Throws<InvalidOperationException>(() =>
            _f.Context.Subspaces().Regression.Trainers.Line(Options(seed: 1)).Fit(_f.Context.Data.LoadFromEnumerable(rows)));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("row 17", e.Message);
    }

    [Fact]
    public void AKeyOrDoubleLabelIsAnErrorNamingTheColumn()
    {
        var keyed = TestData.Keyed(_f.Context, TestData.View(_f.Context, TestData.OptdigitsTrain, 0, 50));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Context.Subspaces().Regression.Trainers.Standard(labelColumnName: "Label").Fit(keyed));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("Single", e.Message);
    }

    [Fact]
    public void TheHuberThresholdChangesTrainingAndBelongsToRegression()
    {
        var options = Options(seed: 3);
        options.HuberDelta = 0.5; // the default is 1
        using var huber = _f.Context.Subspaces().Regression.Trainers.Line(options).Fit(_f.Train);
        Assert.NotEqual(_f.Line.Transform(_f.Test).GetColumn<float>("Score").ToArray(), huber.Transform(_f.Test).GetColumn<float>("Score").ToArray());
        Assert.True(_f.Context.Regression.Evaluate(huber.Transform(_f.Test)).RSquared > 0.9);
        // The squared error, on request, on a standard network (whose steps it does not destabilize here).
        var squared = new StandardTrainerOptions { HiddenLayers = new[] { 32 }, Epochs = 8, BatchSize = 32, Device = "cpu", Seed = 3, HuberDelta = TrainerOptionsBase.SquaredError };
        using var mse = _f.Context.Subspaces().Regression.Trainers.Standard(squared).Fit(_f.Train);
        var standardHuber = new StandardTrainerOptions { HiddenLayers = new[] { 32 }, Epochs = 8, BatchSize = 32, Device = "cpu", Seed = 3 };
        using var hub = _f.Context.Subspaces().Regression.Trainers.Standard(standardHuber).Fit(_f.Train);
        Assert.NotEqual(mse.Transform(_f.Test).GetColumn<float>("Score").ToArray(), hub.Transform(_f.Test).GetColumn<float>("Score").ToArray());

        var classification = TestData.SmallLine(epochs: 1);
        classification.HuberDelta = 0.5;
        var keyed = TestData.Keyed(_f.Context, TestData.View(_f.Context, TestData.OptdigitsTrain, 0, 50));
        var e = Assert.Throws<ArgumentException>(() => _f.Context.Subspaces().Trainers.Line(classification).Fit(keyed));
        Assert.Contains("HuberDelta", e.Message);
    }

    [Fact]
    public void EarlyStoppingFollowsTheSquaredErrorOfTheStandardizedLabelAndReturnsItsBestEpoch()
    {
        var options = Options(seed: 3);
        options.Epochs = 30;
        options.LearningRate = 0.3; // noisy: the loss rises between epochs
        options.ValidationSet = _f.Test;
        options.EarlyStoppingPatience = 2;
        using var model = _f.Context.Subspaces().Regression.Trainers.Line(options).Fit(_f.Train);
        var history = model.TrainingHistory;
        int best = Enumerable.Range(0, history.Count).MinBy(i => history[i].ValidationLoss!.Value);
        Assert.Equal(history.Count - 1 - 2, best);
        // No temperature for regression: the loss followed is the squared error itself.
        Assert.All(history, h => Assert.Equal(h.ValidationLoss, h.ValidationTemperatureScaledLoss));
        // The returned model is that epoch's, and its loss is ML.NET's mean squared error in standard deviations of the label.
        double mse = _f.Context.Regression.Evaluate(model.Transform(_f.Test)).MeanSquaredError;
        double std = model.Network.TargetStd;
        Assert.Equal(history[best].ValidationLoss!.Value, mse / (std * std), 3);
    }
}
