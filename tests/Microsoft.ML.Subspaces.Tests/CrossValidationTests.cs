using Microsoft.ML.Subspaces.Tests.Tasks;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// ML.NET's cross-validation drives the trainers as any estimator: one fit per fold, each scored on its held-out fold
/// with the task's own metrics.
/// </summary>
public class CrossValidationTests
{
    [Fact]
    public void MulticlassCrossValidateFitsAndScoresEveryFold()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.View(ml, TestData.OptdigitsTrain, 0, 900);
        var pipeline = TestData.MapLabelToKey(ml).Append(ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 4)));
        var folds = ml.MulticlassClassification.CrossValidate(data, pipeline, numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.MicroAccuracy > 0.85, $"fold {f.Fold}: {f.Metrics.MicroAccuracy}"));
        // The held-out folds partition the rows, each scored once.
        Assert.Equal(900, folds.Sum(f => f.ScoredHoldOutSet.GetColumn<uint>("PredictedLabel").Count()));
        Assert.Equal(3, folds.Select(f => TestData.Subspace(f.Model)).Distinct().Count());
        foreach (var f in folds) TestData.Subspace(f.Model).Dispose();
    }

    [Fact]
    public void BinaryCrossValidateFitsAndScoresEveryFold()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(BinaryClassificationTests.Rows(TestData.OptdigitsTrain, 0, 900));
        var folds = ml.BinaryClassification.CrossValidate(data, ml.Subspaces().BinaryClassification.Trainers.Line(BinaryClassificationTests.Options(seed: 2)), numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.AreaUnderRocCurve > 0.9, $"fold {f.Fold}: AUC {f.Metrics.AreaUnderRocCurve}"));
        foreach (var f in folds) ((SubspaceTransformer)f.Model).Dispose();
    }

    [Fact]
    public void RegressionCrossValidateFitsAndScoresEveryFold()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(RegressionTests.Rows(900, seed: 1, scale: 1));
        var folds = ml.Regression.CrossValidate(data, ml.Subspaces().Regression.Trainers.Line(RegressionTests.Options(seed: 3)), numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.RSquared > 0.8, $"fold {f.Fold}: R^2 {f.Metrics.RSquared}"));
        foreach (var f in folds) ((SubspaceTransformer)f.Model).Dispose();
    }
}
