using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Tasks;

/// <summary>One optdigits row as a binary task: is the digit 5 or more?</summary>
public sealed class HighDigitRow
{
    public bool Label { get; set; }

    [VectorType(64)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

/// <summary>What a binary model outputs, as ML.NET's binary trainers do.</summary>
public sealed class BinaryPrediction
{
    public bool PredictedLabel { get; set; }
    public float Score { get; set; }
    public float Probability { get; set; }
}

/// <summary>
/// Binary classification (<c>mlContext.Subspaces().BinaryClassification.Trainers</c>): a Boolean label; <c>Score</c> (the
/// logit), <c>Probability</c> and a Boolean <c>PredictedLabel</c> that <c>BinaryClassification.Evaluate</c> and
/// <c>PredictionEngine</c> take as they are; ensembles average probabilities; save, load and ONNX export keep the scores.
/// </summary>
public class BinaryClassificationTests : IClassFixture<BinaryClassificationTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Context = new MLContext(seed: 1);
            Train = Context.Data.LoadFromEnumerable(Rows(TestData.OptdigitsTrain, 0, 800));
            Test = Context.Data.LoadFromEnumerable(Rows(TestData.OptdigitsTest, 0, 400));
            Line = Context.Subspaces().BinaryClassification.Trainers.Line(Options(seed: 5)).Fit(Train);
        }

        public MLContext Context { get; }
        public IDataView Train { get; }
        public IDataView Test { get; }
        public SubspaceTransformer Line { get; }
        public void Dispose() => Line.Dispose();
    }

    private readonly Fixture _f;
    public BinaryClassificationTests(Fixture fixture) => _f = fixture;

    internal static List<HighDigitRow> Rows(global::Subspaces.Samples.Common.DigitSet set, int start, int count) =>
        TestData.Rows(set, start, count).Select(r => new HighDigitRow { Label = r.Label >= 5, Features = r.Features }).ToList();

    internal static LineTrainerOptions Options(int seed) => new() { HiddenLayers = new[] { 32 }, Epochs = 4, BatchSize = 64, Device = "cpu", Seed = seed };

    [Fact]
    public void BinaryEvaluateReadsTheColumnsAsTheyAre()
    {
        var scored = _f.Line.Transform(_f.Test);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        Assert.Equal(NetworkOutput.Sigmoid, _f.Line.Output);
        var metrics = _f.Context.BinaryClassification.Evaluate(scored);
        Assert.True(metrics.AreaUnderRocCurve > 0.95, $"AUC {metrics.AreaUnderRocCurve:F4}");
        Assert.True(metrics.Accuracy > 0.88, $"accuracy {metrics.Accuracy:P2}");

        // Score is the logit of Probability, and PredictedLabel says Probability > 1/2.
        var p = scored.GetColumn<float>("Probability").ToArray();
        var s = scored.GetColumn<float>("Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < p.Length; i++)
        {
            Assert.Equal(p[i], 1 / (1 + Math.Exp(-s[i])), 4);
            Assert.Equal(p[i] > 0.5f, predicted[i]);
        }
    }

    [Fact]
    public void AnEnsembleAveragesTheProbabilitiesOfItsPoints()
    {
        using var ends = _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints);
        using var start = _f.Line.WithPoint(0);
        using var end = _f.Line.WithPoint(1);
        var pe = ends.Transform(_f.Test).GetColumn<float>("Probability").ToArray();
        var p0 = start.Transform(_f.Test).GetColumn<float>("Probability").ToArray();
        var p1 = end.Transform(_f.Test).GetColumn<float>("Probability").ToArray();
        for (int i = 0; i < pe.Length; i++) Assert.Equal((p0[i] + p1[i]) / 2, pe[i], 5);
        Assert.NotEqual(p0, p1); // the endpoints are different networks
    }

    [Fact]
    public void SavedLoadedAndPredictedOneRowAtATime()
    {
        string path = Path.Combine(Path.GetTempPath(), $"binary-{Guid.NewGuid():N}.zip");
        try
        {
            _f.Context.Subspaces().Model.Save(_f.Line, _f.Train.Schema, path);
            var loaded = _f.Context.Subspaces().Model.Load(path, out _);
            var expected = _f.Line.Transform(_f.Test).GetColumn<float>("Score").ToArray();
            Assert.Equal(expected, loaded.Transform(_f.Test).GetColumn<float>("Score").ToArray());
            using var engine = _f.Context.Model.CreatePredictionEngine<HighDigitRow, BinaryPrediction>(loaded);
            var row = Rows(TestData.OptdigitsTest, 0, 1)[0];
            var prediction = engine.Predict(row);
            Assert.Equal(expected[0], prediction.Score, 4); // one row against a batch: GEMM may sum in another order
            Assert.Equal(prediction.Probability > 0.5f, prediction.PredictedLabel);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameModel()
    {
        using var again = _f.Context.Subspaces().BinaryClassification.Trainers.Line(Options(seed: 5)).Fit(_f.Train);
        Assert.Equal(_f.Line.Transform(_f.Test).GetColumn<float>("Score").ToArray(), again.Transform(_f.Test).GetColumn<float>("Score").ToArray());
    }

    [Fact]
    public void ANonBooleanLabelIsAnErrorNamingTheColumn()
    {
        var digits = _f.Context.Data.LoadFromEnumerable(TestData.Rows(TestData.OptdigitsTrain, 0, 50)); // Label is UInt32
        var trainer = _f.Context.Subspaces().BinaryClassification.Trainers.Line(Options(seed: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(digits));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("Boolean", e.Message);
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(TestData.ShapeOf(digits.Schema)));
        Assert.Contains("'Label'", shape.Message);
    }

    /// <summary>The outputs of <paramref name="model"/>'s exported ONNX graph, run by ONNX Runtime on the test rows.</summary>
    private (float[] Probability, float[] Score, bool[] PredictedLabel) OnnxOutputs(ScorerTransformer model)
    {
        using var stream = new MemoryStream();
        _f.Context.Subspaces().Model.ExportOnnx(model, stream);
        var rows = Rows(TestData.OptdigitsTest, 0, 400);
        using var session = new InferenceSession(stream.ToArray());
        var input = new DenseTensor<float>(rows.SelectMany(r => r.Features).ToArray(), new[] { rows.Count, 64 });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        return (results.Single(r => r.Name == "Probability").AsTensor<float>().ToArray(),
                results.Single(r => r.Name == "Score").AsTensor<float>().ToArray(),
                results.Single(r => r.Name == "PredictedLabel").AsTensor<bool>().ToArray());
    }

    [Fact]
    public void OnnxRuntimeGivesTheSameProbabilitiesScoresAndLabels()
    {
        using var ensemble = _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints);
        foreach (var model in new ScorerTransformer[] { _f.Line, ensemble })
        {
            var (probability, score, label) = OnnxOutputs(model);
            var scored = model.Transform(_f.Test);
            var p = scored.GetColumn<float>("Probability").ToArray();
            var s = scored.GetColumn<float>("Score").ToArray();
            var l = scored.GetColumn<bool>("PredictedLabel").ToArray();
            for (int i = 0; i < p.Length; i++)
            {
                Assert.True(Math.Abs(p[i] - probability[i]) <= 1e-5, $"{model}, row {i}: probability {p[i]} vs {probability[i]}");
                Assert.True(Math.Abs(s[i] - score[i]) <= 1e-3 * Math.Max(1, Math.Abs(s[i])), $"{model}, row {i}: score {s[i]} vs {score[i]}");
            }
            Assert.Equal(l, label);
        }
    }

    [Fact]
    public void EarlyStoppingFollowsTheTemperatureScaledBinaryCrossEntropyAndReturnsItsBestEpoch()
    {
        var options = Options(seed: 5);
        options.Epochs = 30;
        options.LearningRate = 0.5; // noisy: the loss rises between epochs
        options.ValidationSet = _f.Test;
        options.EarlyStoppingPatience = 2;
        using var model = _f.Context.Subspaces().BinaryClassification.Trainers.Line(options).Fit(_f.Train);
        var history = model.TrainingHistory;
        int best = Enumerable.Range(0, history.Count).MinBy(i => history[i].ValidationTemperatureScaledLoss!.Value);
        Assert.Equal(history.Count - 1 - 2, best);
        // The returned model is that epoch's: its accuracy, its mean -ln sigmoid(+-Score), and the lowest mean binary
        // cross-entropy of its Score (the logit) divided by any temperature.
        var scored = model.Transform(_f.Test);
        Assert.Equal(history[best].ValidationAccuracy!.Value, _f.Context.BinaryClassification.Evaluate(scored).Accuracy, 9);
        var z = scored.GetColumn<float>("Score").ToArray();
        var y = scored.GetColumn<bool>("Label").ToArray();
        double crossEntropy = Enumerable.Range(0, z.Length).Average(i => TemperatureScaling.BinaryCrossEntropy(1, z[i], y[i]));
        Assert.Equal(history[best].ValidationLoss!.Value, crossEntropy, 3);
        double lowest = TemperatureScaling.LowestMeanLoss(z.Length, (scale, i) => TemperatureScaling.BinaryCrossEntropy(scale, z[i], y[i]));
        Assert.Equal(lowest, history[best].ValidationTemperatureScaledLoss!.Value, 4);
    }

    [Fact]
    public void ScoreStaysAFiniteLogitWhereTheProbabilityRoundsToOneSoThatEvaluateCountsEveryRow()
    {
        var options = Options(seed: 5);
        options.Epochs = 5;
        options.LearningRate = 0.5; // confident: many test rows have a probability of 1 in single precision
        using var model = _f.Context.Subspaces().BinaryClassification.Trainers.Line(options).Fit(_f.Train);
        using var ensemble = model.WithEnsemble(SubspaceEnsemble.Endpoints);
        foreach (var scorer in new ScorerTransformer[] { model, ensemble })
        {
            var scored = scorer.Transform(_f.Test);
            var p = scored.GetColumn<float>("Probability").ToArray();
            var z = scored.GetColumn<float>("Score").ToArray();
            var y = scored.GetColumn<bool>("Label").ToArray();
            var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
            Assert.Contains(p, v => v == 1f);
            Assert.All(z, v => Assert.True(float.IsFinite(v), $"Score {v}"));
            // The logit of a probability that is not rounded away: sigmoid(Score) is Probability.
            for (int i = 0; i < z.Length; i++) Assert.Equal(p[i], 1 / (1 + Math.Exp(-z[i])), tolerance: 1e-6);
            Assert.Equal(z.Select(v => v > 0), predicted);
            // ML.NET skips rows whose Score is not finite; here it counts every one.
            double accuracy = predicted.Zip(y, (a, b) => a == b ? 1.0 : 0).Average();
            Assert.Equal(accuracy, _f.Context.BinaryClassification.Evaluate(scored).Accuracy, 9);
            // The exported graph computes the same finite logits.
            var onnxScore = OnnxOutputs(scorer).Score;
            for (int i = 0; i < z.Length; i++)
                Assert.True(Math.Abs(z[i] - onnxScore[i]) <= 1e-3 * Math.Max(1, Math.Abs(z[i])), $"{scorer}, row {i}: Score {z[i]}, ONNX {onnxScore[i]}");
        }
    }

    [Fact]
    public void ScoreIsFiniteEvenWhereAProbabilityUnderflows()
    {
        // sigmoid(-z) is 0 in single precision from z = 104 on (a denormal from 88): the floor keeps the logit finite.
        Assert.Equal(-Math.Log(ScoreMath.SmallestProbability), ScoreMath.Logit(1f, 0f), 4);
        Assert.Equal(Math.Log(ScoreMath.SmallestProbability), ScoreMath.Logit(0f, 1f), 4);
        Assert.Equal(20.0, ScoreMath.Logit(1f, (float)Math.Exp(-20)), 4); // sigmoid(20) rounds to 1; sigmoid(-20) does not
        Assert.Equal(0f, ScoreMath.Logit(0.5f, 0.5f));
        Assert.True(float.IsNaN(ScoreMath.Logit(float.NaN, float.NaN)));
    }
}
