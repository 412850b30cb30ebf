using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Quality;

/// <summary>
/// <see cref="SubspaceTrainerOptions.InitialPointCosine"/>: the points start with the asked cosine similarity and their
/// own scale, 0 leaves the paper's independent draws untouched, and a value outside [0, 1) is an error naming it.
/// </summary>
public class InitialPointCosineTests
{
    private static SubspaceMlp Network(int points, ulong seed = 5)
    {
        var spec = new NetworkSpec { InputSize = 64, HiddenSizes = new[] { 256, 256 }, ClassCount = 10, PointCount = points };
        using var generator = new Generator(seed, CPU);
        return new SubspaceMlp(spec, generator);
    }

    private static double[] Weights(SubspaceMlp mlp, int point) =>
        mlp.Layers.SelectMany(l => l.Weight.Points[point].detach().contiguous().data<float>().ToArray()).Select(v => (double)v).ToArray();

    private static double Cosine(double[] u, double[] v)
    {
        double dot = 0, nu = 0, nv = 0;
        for (int i = 0; i < u.Length; i++) { dot += u[i] * v[i]; nu += u[i] * u[i]; nv += v[i] * v[i]; }
        return dot / Math.Sqrt(nu * nv);
    }

    private static double Norm(double[] u) => Math.Sqrt(u.Sum(x => x * x));

    /// <summary>The cosine between a fitted line's two endpoints (all conv and linear weights).</summary>
    private static double Endpoints(SubspaceTransformer line) => Math.Sqrt(line.Weights.Network.CosineSquared(0, 1));

    [Theory]
    [InlineData(2, 0.5)]
    [InlineData(2, 0.8)]
    [InlineData(3, 0.6)]
    public void PointsStartWithTheAskedCosineAndTheirOwnScale(int points, double cosine)
    {
        using var mlp = Network(points);
        var before = Enumerable.Range(0, points).Select(p => Weights(mlp, p)).ToArray();
        using (var generator = new Generator(11, CPU)) mlp.CorrelatePoints(cosine, generator);
        var after = Enumerable.Range(0, points).Select(p => Weights(mlp, p)).ToArray();
        for (int j = 0; j < points; j++)
        {
            Assert.InRange(Norm(after[j]) / Norm(before[j]), 0.95, 1.05);
            for (int k = j + 1; k < points; k++)
            {
                Assert.InRange(Math.Abs(Cosine(before[j], before[k])), 0, 0.05); // independent draws before
                Assert.InRange(Cosine(after[j], after[k]), cosine - 0.05, cosine + 0.05);
            }
        }
        foreach (var layer in mlp.Layers) // biases start at zero and stay there
            Assert.Equal(0f, layer.Bias.Points.abs().max().item<float>());
    }

    [Fact]
    public void ZeroLeavesTheIndependentDrawsBitForBit()
    {
        using var mlp = Network(2);
        var before = Weights(mlp, 1);
        using (var generator = new Generator(11, CPU)) mlp.CorrelatePoints(0, generator);
        Assert.Equal(before, Weights(mlp, 1));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void ValueOutsideZeroToOneIsAnErrorNamingTheOption(double cosine)
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 300));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Subspaces().Trainers.Line(new LineTrainerOptions { InitialPointCosine = cosine, Epochs = 1, HiddenLayers = new[] { 8 } }).Fit(data));
        Assert.Equal("InitialPointCosine", e.ParamName);
    }

    [Theory]
    [InlineData(NetworkOutput.Softmax, LineTrainerOptions.AutomaticClassificationInitialPointCosine)]
    [InlineData(NetworkOutput.Sigmoid, LineTrainerOptions.AutomaticClassificationInitialPointCosine)]
    [InlineData(NetworkOutput.Linear, LineTrainerOptions.AutomaticRegressionInitialPointCosine)]
    public void AutomaticValueDependsOnTheTask(NetworkOutput output, double expected)
    {
        Assert.Equal(expected, new LineTrainerOptions().SettingsFor(0, 1000, output).InitialPointCosine);
        Assert.Equal(0.3, new LineTrainerOptions { InitialPointCosine = 0.3 }.SettingsFor(0, 1000, output).InitialPointCosine);
    }

    [Fact]
    public void LineFitStartsFromCorrelatedPointsAndIsDeterministic()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 300));
        LineTrainerOptions Options(double cosine) => new() { InitialPointCosine = cosine, Epochs = 1, HiddenLayers = new[] { 64 }, Beta = 0, Seed = 3 };
        using var a = ml.Subspaces().Trainers.Line(Options(0.9)).Fit(data);
        using var b = ml.Subspaces().Trainers.Line(Options(0.9)).Fit(data);
        using var independent = ml.Subspaces().Trainers.Line(Options(0)).Fit(data);
        Assert.Equal(Endpoints(a), Endpoints(b));
        Assert.True(Endpoints(a) > 0.8, $"cosine of the endpoints after one epoch from 0.9: {Endpoints(a):F3}");
        Assert.True(Endpoints(independent) < 0.3, $"cosine of the endpoints after one epoch from independent draws: {Endpoints(independent):F3}");
    }

    [Fact]
    public void EachTaskTrainerStartsFromItsAutomaticCosine()
    {
        // One epoch moves the points little: the endpoints' cosine after it tells which value the fit started from.
        var ml = new MLContext(seed: 1);
        var digits = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 300));
        using var classification = ml.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = 1, HiddenLayers = new[] { 64 }, Seed = 3 }).Fit(digits);
        var values = ml.Data.LoadFromEnumerable(Tasks.RegressionTests.Rows(300, seed: 1, scale: 1));
        using var regression = ml.Subspaces().Regression.Trainers.Line(new LineTrainerOptions { Epochs = 1, HiddenLayers = new[] { 64 }, Seed = 3 }).Fit(values);
        Assert.InRange(Endpoints(classification), LineTrainerOptions.AutomaticClassificationInitialPointCosine - 0.1, LineTrainerOptions.AutomaticClassificationInitialPointCosine + 0.1);
        Assert.InRange(Endpoints(regression), LineTrainerOptions.AutomaticRegressionInitialPointCosine - 0.1, LineTrainerOptions.AutomaticRegressionInitialPointCosine + 0.1);
    }
}
