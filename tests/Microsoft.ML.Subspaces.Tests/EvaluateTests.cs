using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>ML.NET's multiclass evaluator reads the scorer's output, and agrees with the library's Evaluate.</summary>
public class EvaluateTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public EvaluateTests(SmallLineFixture fixture) => _f = fixture;

    /// <summary>Accuracy counted directly from the Score vectors and the labels of the test rows.</summary>
    private double HandAccuracy(ITransformer model)
    {
        var scores = TestData.Scores(model.Transform(_f.Test));
        int correct = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            int best = Array.IndexOf(scores[i], scores[i].Max());
            if (best == (int)_f.TestRows[i].Label) correct++;
        }
        return (double)correct / scores.Length;
    }

    [Fact]
    public void MlNet_evaluate_accepts_the_output_without_MapKeyToValue()
    {
        var keyMap = _f.Model.First();
        var scored = _f.Line.Transform(keyMap.Transform(_f.Test));
        var metrics = _f.Context.MulticlassClassification.Evaluate(scored);
        var ours = _f.Context.Subspaces().Evaluate(scored);

        Assert.Equal(HandAccuracy(_f.Model), metrics.MicroAccuracy, 12);
        Assert.Equal(metrics.MicroAccuracy, ours.Accuracy, 12);
        Assert.Equal(metrics.MicroAccuracy, ours.MlNet.MicroAccuracy, 12);
        Assert.Equal(metrics.LogLoss, ours.LogLoss, 4);
        Assert.InRange(metrics.MicroAccuracy, 0.5, 1.0); // 600 rows, 4 epochs: far above chance (0.1)
        Assert.Equal(10, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.Equal(_f.TestRows.Count, (int)Math.Round(metrics.ConfusionMatrix.Counts.Sum(row => row.Sum())));
    }

    [Fact]
    public void MlNet_evaluate_accepts_the_output_with_MapKeyToValue_appended()
    {
        var scored = _f.Model.Transform(_f.Test);
        Assert.IsNotType<KeyDataViewType>(scored.Schema["PredictedLabel"].Type);
        var metrics = _f.Context.MulticlassClassification.Evaluate(scored);
        var ours = _f.Context.Subspaces().Evaluate(scored);
        Assert.Equal(HandAccuracy(_f.Model), metrics.MicroAccuracy, 12);
        Assert.Equal(metrics.MicroAccuracy, ours.Accuracy, 12);
        Assert.Equal(metrics.MacroAccuracy, ours.MlNet.MacroAccuracy, 12);
    }

    [Fact]
    public void Evaluate_follows_the_prediction_point()
    {
        var scored = _f.Model.Transform(_f.Test);
        var atEnd = TestData.Replace(_f.Model, _f.Line.WithPoint(0.0));
        var ensemble = TestData.Replace(_f.Model, _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints));
        foreach (var model in new ITransformer[] { atEnd, ensemble })
        {
            var metrics = _f.Context.MulticlassClassification.Evaluate(model.Transform(_f.Test));
            var ours = _f.Context.Subspaces().Evaluate(model.Transform(_f.Test));
            Assert.Equal(HandAccuracy(model), metrics.MicroAccuracy, 12);
            Assert.Equal(metrics.MicroAccuracy, ours.Accuracy, 12);
        }
        // Different points give different probabilities, so the log-loss differs.
        Assert.NotEqual(_f.Context.Subspaces().Evaluate(scored).LogLoss, _f.Context.Subspaces().Evaluate(atEnd.Transform(_f.Test)).LogLoss);
    }

    [Fact]
    public void Library_evaluate_reports_calibration_in_range()
    {
        var ours = _f.Context.Subspaces().Evaluate(_f.Model.Transform(_f.Test), bins: 15);
        Assert.Equal(15, ours.Bins);
        Assert.Equal(_f.TestRows.Count, ours.Probabilities.Count);
        Assert.InRange(ours.ExpectedCalibrationError, 0, 1);
        Assert.InRange(ours.BrierScore, 0, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Context.Subspaces().Evaluate(_f.Model.Transform(_f.Test), bins: 0));
    }
}
