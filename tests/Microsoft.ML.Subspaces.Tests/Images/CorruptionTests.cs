using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Images;

/// <summary>
/// Image corruptions for the robustness experiment: deterministic per row and seed, growing with severity, in the pixel
/// range; the experiment scores every model on the same corrupted images.
/// </summary>
public class CorruptionTests
{
    private static float[][] Features(IDataView data) => data.GetColumn<float[]>("Features").ToArray();

    private static double MeanAbsoluteChange(float[][] a, float[][] b) =>
        a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => Math.Abs(v.First - v.Second)));

    [Theory]
    [InlineData(ImageCorruption.GaussianNoise)]
    [InlineData(ImageCorruption.Blur)]
    [InlineData(ImageCorruption.Contrast)]
    [InlineData(ImageCorruption.Snow)]
    [InlineData(ImageCorruption.Pixelate)]
    public void CorruptionsAreDeterministicGrowWithSeverityAndStayInRange(ImageCorruption corruption)
    {
        var ml = new MLContext(seed: 1);
        var test = ImageTestData.Mnist(ml, 0, 40, test: true);
        var clean = Features(test);
        double previous = 0;
        for (int severity = 1; severity <= 5; severity++)
        {
            var view = ml.Subspaces().Experiments.WithCorruption(test, corruption, severity, seed: 3);
            var once = Features(view);
            Assert.Equal(once, Features(view)); // the same images on every read
            Assert.All(once, image => Assert.All(image, v => Assert.InRange(v, -1e-6f, 1 + 1e-6f)));
            double change = MeanAbsoluteChange(clean, once);
            Assert.True(change > previous, $"{corruption} severity {severity}: mean change {change:G3}, not above severity {severity - 1}'s {previous:G3}");
            previous = change;
        }
        Assert.NotEqual(Features(ml.Subspaces().Experiments.WithCorruption(test, ImageCorruption.GaussianNoise, 3, seed: 3)),
            Features(ml.Subspaces().Experiments.WithCorruption(test, ImageCorruption.GaussianNoise, 3, seed: 4)));
    }

    [Fact]
    public void ASeverityOutsideOneToFiveIsAnErrorNamingIt()
    {
        var ml = new MLContext(seed: 1);
        var test = ImageTestData.Mnist(ml, 0, 4, test: true);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Experiments.WithCorruption(test, ImageCorruption.Blur, 6));
        Assert.Equal("severity", e.ParamName);
    }

    [Fact]
    public void TheExperimentScoresEveryModelOnEveryCorruptionAndSeverity()
    {
        var ml = new MLContext(seed: 1);
        var train = ImageTestData.Mnist(ml, 0, 600);
        var test = ImageTestData.Mnist(ml, 0, 200, test: true);
        using var line = ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 64 }, Epochs = 4, Device = "cpu", Seed = 1 }).Fit(train);
        using var ends = line.WithEnsemble(SubspaceEnsemble.Endpoints);
        var rows = ml.Subspaces().Experiments.CorruptionRobustness(new (string, ScorerTransformer)[] { ("line midpoint", line), ("line ensemble", ends) }, test, seed: 2);
        Assert.Equal(2 * (1 + 5 * 5), rows.Count);
        var clean = rows.Single(r => r.Model == "line midpoint" && r.Corruption is null);
        var worstNoise = rows.Single(r => r.Model == "line midpoint" && r.Corruption == ImageCorruption.GaussianNoise && r.Severity == 5);
        Assert.True(clean.Accuracy > 0.7, $"clean accuracy {clean.Accuracy:P1}");
        Assert.True(worstNoise.Accuracy < clean.Accuracy, $"noise 5: {worstNoise.Accuracy:P1}, clean {clean.Accuracy:P1}");
    }
}
