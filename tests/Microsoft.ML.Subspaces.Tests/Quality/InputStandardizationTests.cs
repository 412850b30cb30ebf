using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Quality;

/// <summary>
/// Input standardization: every column is centered and divided by max(std, range / 4); the statistics live in the model (saved, applied at prediction), so unscaled features train like
/// scaled ones.
/// </summary>
public class InputStandardizationTests
{
    [Fact]
    public void Columns_are_centered_and_divided_by_the_larger_of_std_and_a_quarter_of_the_range()
    {
        // Column 0 in [0, 1]; column 1 large values, std 447 under range / 4 = 500; column 2 constant; column 3 one
        // outlier, std 30 over range / 4 = 25.
        var rows = new float[,] { { 0f, 1000f, 7f, 0f }, { 0.5f, 3000f, 7f, 0f }, { 1f, 2000f, 7f, 0f }, { 0.25f, 2000f, 7f, 0f }, { 0.75f, 2000f, 7f, 0f },
                                  { 0.1f, 2000f, 7f, 0f }, { 0.2f, 2000f, 7f, 0f }, { 0.3f, 2000f, 7f, 0f }, { 0.4f, 2000f, 7f, 0f }, { 0.6f, 2000f, 7f, 100f } };
        using var x = tensor(rows);
        var (mean, std) = FeatureStandardization.Fit(x);
        Assert.Equal(0.41, mean[0], 6);
        Assert.Equal(0.29223278392404917, std[0], 6); // std 0.292 over range / 4 = 0.25

        Assert.Equal(2000, mean[1], 6);
        Assert.Equal(500, std[1], 6); // the range bound wins
        Assert.Equal(1, std[2]); // constant: only centered
        Assert.Equal(7, mean[2], 6);
        Assert.Equal(10, mean[3], 6);
        Assert.Equal(30, std[3], 6); // the standard deviation wins
    }

    [Fact]
    public void Indicator_columns_pass_through()
    {
        using var x = tensor(new float[,] { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0.5f }, { 0, 0, 0 } });
        var (mean, std) = FeatureStandardization.Fit(x);
        Assert.Equal(new double[] { 0, 0 }, mean[..2]);
        Assert.Equal(new double[] { 1, 1 }, std[..2]);
        Assert.Equal(0.375, mean[2], 6); // 0, 1, 0.5, 0: not an indicator
    }

    [Fact]
    public void Fitted_statistics_bound_every_training_value()
    {
        using var generator = new TorchSharp.torch.Generator(2, CPU);
        using var x = (randn(new long[] { 500, 3 }, generator: generator).exp() * 1000).to_type(ScalarType.Float32); // skewed, like money
        var (mean, std) = FeatureStandardization.Fit(x);
        var spec = new NetworkSpec { InputSize = 3, ClassCount = 2, FeatureMean = mean, FeatureStd = std };
        using var z = FeatureStandardization.Apply(spec, x.to_type(ScalarType.Float64));
        Assert.True(z.abs().max().item<double>() <= FeatureStandardization.MaximumSpread + 1e-9);
    }

    [Fact]
    public void Unscaled_features_train_like_scaled_ones_and_the_statistics_are_saved()
    {
        double Accuracy(float factor, bool standardize, out ITransformer model, out IDataView test)
        {
            var ml = new MLContext(seed: 1);
            var train = Scaled(ml, TestData.OptdigitsTrain, 0, 1000, factor);
            test = Scaled(ml, TestData.OptdigitsTest, 0, 400, factor);
            var options = TestData.SmallLine(epochs: 6, hidden: 64);
            options.StandardizeFeatures = standardize;
            model = TestData.MapLabelToKey(ml).Append(ml.Subspaces().Trainers.Line(options)).Fit(train);
            return ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        }
        double scaled = Accuracy(1, true, out var m1, out _);
        double unscaled = Accuracy(1000, true, out var m2, out var test2);
        double unscaledRaw = Accuracy(1000, false, out var m3, out _);
        Assert.True(scaled > 0.85, $"scaled accuracy {scaled:P1}");
        Assert.True(Math.Abs(scaled - unscaled) < 0.03, $"scaled {scaled:P1} vs unscaled {unscaled:P1}");
        Assert.True(unscaledRaw < unscaled - 0.2, $"without standardization features x1000 should not train at this learning rate: {unscaledRaw:P1}");

        var line = TestData.Subspace(m2);
        Assert.Equal(64, line.Network.FeatureMean.Length);
        var ml2 = new MLContext(seed: 1);
        var path = Path.Combine(Path.GetTempPath(), $"standardized-{Guid.NewGuid():N}.zip");
        try
        {
            ml2.Subspaces().Model.Save(m2, test2.Schema, path);
            using var loaded = (IDisposable)ml2.Subspaces().Model.Load(path, out _);
            TestData.AssertClose(TestData.Scores(m2.Transform(test2)).SelectMany(r => r).ToArray(),
                TestData.Scores(((ITransformer)loaded).Transform(test2)).SelectMany(r => r).ToArray(), 1e-6, "scores after save and load");
        }
        finally
        {
            File.Delete(path);
            foreach (var m in new[] { m1, m2, m3 }) (m as IDisposable)?.Dispose();
        }
    }

    private static IDataView Scaled(MLContext ml, global::Subspaces.Samples.Common.DigitSet set, int start, int count, float factor) =>
        ml.Data.LoadFromEnumerable(TestData.Rows(set, start, count).Select(r => new DigitRow { Label = r.Label, Features = r.Features.Select(v => v * factor).ToArray() }));
}
