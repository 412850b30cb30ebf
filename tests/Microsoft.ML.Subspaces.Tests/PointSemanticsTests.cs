using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// One meaning for points across subspaces and paths: <c>WithPoint(t)</c> predicts at t with shared weights,
/// <c>AtPoint(t)</c> is the network at t as a standalone standard model.
/// </summary>
public class PointSemanticsTests
{
    [Fact]
    public void AtPointOfASubspaceIsAStandaloneStandardModelPredictingAsWithPoint()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 300));
        var x = TestData.Rows(TestData.OptdigitsTest, 0, 20).SelectMany(r => r.Features).ToArray();
        float[] shared, standalone;
        Transformers.SubspaceTransformer point;
        using (var line = ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 2, hidden: 8)).Fit(train))
        {
            using var at = line.WithPoint(0.25);
            shared = at.PredictProbabilities(x);
            point = line.AtPoint(0.25);
            Assert.Throws<ArgumentOutOfRangeException>(() => line.AtPoint(1.5));
        }
        using (point)
        {
            // The line is disposed: the standalone model has its own weights.
            Assert.Same(SinglePoint.Instance, point.Shape);
            Assert.Equal(1, point.Network.PointCount);
            standalone = point.PredictProbabilities(x);
        }
        TestData.AssertClose(shared, standalone, 1e-6, "AtPoint(0.25) against WithPoint(0.25)");
    }
}
