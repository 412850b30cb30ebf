using Microsoft.ML.Subspaces.Transformers;
using Xunit.Abstractions;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>A real figure: a line of small MLPs on the full UCI optdigits training set, scored on its test set.</summary>
public class EndToEndOptdigitsTests
{
    private readonly ITestOutputHelper _output;
    public EndToEndOptdigitsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Line_midpoint_reaches_95_percent_test_accuracy_on_optdigits()
    {
        var ml = new MLContext(seed: 1);
        var trainSet = TestData.OptdigitsTrain;
        var testSet = TestData.OptdigitsTest;
        Assert.Equal(3823, trainSet.Count);
        Assert.Equal(1797, testSet.Count);
        var train = TestData.View(ml, trainSet, 0, trainSet.Count);
        var test = TestData.View(ml, testSet, 0, testSet.Count);

        var pipeline = TestData.MapLabelToKey(ml)
            .Append(ml.Subspaces().Trainers.Line(new Trainers.LineTrainerOptions
            {
                // 30 epochs of 120 batches of 32: about 96.0-96.4% at the midpoint over MLContext seeds 1-4. The
                // default batch of 128 for 15 epochs (450 steps on 3,823 rows) gives about 93%; a linear model
                // (LbfgsMaximumEntropy) about 95% on this split.
                HiddenLayers = new[] { 128 },
                Epochs = 30,
                BatchSize = 32,
                LearningRate = 0.1,
                Device = "cpu",
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        using var model = pipeline.Fit(train);
        var line = TestData.Subspace(model);
        Assert.Equal(30, line.TrainingHistory.Count);
        Assert.True(line.TrainingHistory[^1].Loss < line.TrainingHistory[0].Loss, "the training loss did not go down");

        var midpoint = ml.MulticlassClassification.Evaluate(model.Transform(test));
        _output.WriteLine($"midpoint test accuracy {midpoint.MicroAccuracy:P2}, final training loss {line.TrainingHistory[^1].Loss:F4}");
        Assert.True(midpoint.MicroAccuracy >= 0.95, $"midpoint test accuracy {midpoint.MicroAccuracy:P2} < 95%");

        // The whole line is good, not only its middle: both ends and their ensemble.
        foreach (var (name, transformer) in new[]
        {
            ("a = 0", line.WithPoint(0.0)),
            ("a = 1", line.WithPoint(1.0)),
            ("endpoint ensemble", line.WithEnsemble(SubspaceEnsemble.Endpoints)),
        })
        {
            using (transformer)
            {
                var accuracy = ml.MulticlassClassification.Evaluate(TestData.Replace(model, transformer).Transform(test)).MicroAccuracy;
                _output.WriteLine($"{name}: test accuracy {accuracy:P2}");
                Assert.True(accuracy >= 0.93, $"{name}: test accuracy {accuracy:P2} < 93%");
            }
        }

        // The predicted labels are the digits themselves (MapKeyToValue at the end of the pipeline).
        var predicted = model.Transform(test).GetColumn<uint>("PredictedLabel").ToArray();
        int correct = predicted.Where((p, i) => p == testSet.Labels[i]).Count();
        Assert.Equal(midpoint.MicroAccuracy, (double)correct / testSet.Count, 12);
    }
}
