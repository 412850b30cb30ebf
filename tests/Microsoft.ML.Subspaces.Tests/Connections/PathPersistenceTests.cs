using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class PathPersistenceTests
{
    [Theory]
    [InlineData("9", ConnectionKind.Arc, false, false)]
    [InlineData("9", ConnectionKind.Linear, true, true)]
    [InlineData("8,7", ConnectionKind.Arc, true, false)]
    [InlineData("8,7", ConnectionKind.Arc, true, true)]
    public void SavedPathLoadsAndPredictsTheSameAlongThePath(string hidden, ConnectionKind kind, bool optimalTransport, bool weightAdjustment)
    {
        var ml = new MLContext(seed: 1);
        var widths = hidden.Split(',').Select(int.Parse).ToArray();
        using var a = RandomMlp(6, widths, 3, seed: 71);
        using var b = RandomMlp(6, widths, 3, seed: 72);
        var x = RandomInputs(40, 6, seed: 13);
        var data = ToDataView(ml, x, 6, 3);
        using var path = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions
        {
            Kind = kind, OptimalTransport = optimalTransport, WeightAdjustment = weightAdjustment, TrainingData = data, PredictionPoint = 0.3,
        });
        using var stream = new MemoryStream();
        ml.Subspaces().Model.Save(path, data.Schema, stream);
        stream.Position = 0;
        using var loaded = Assert.IsType<PathTransformer>(ml.Subspaces().Model.Load(stream, out var schema));
        Assert.NotNull(schema.GetColumnOrNull("Features"));
        Assert.Equal(path.Method, loaded.Method);
        Assert.Equal(0.3, loaded.Position);
        Assert.Equal(path.TransitionCount, loaded.TransitionCount);
        Assert.True(MaxDifference(path.PredictProbabilities(x), loaded.PredictProbabilities(x)) < 1e-6);
        foreach (var t in new[] { 0.0, 0.15, 0.5, 0.66, 0.9, 1.0 })
        {
            using var p = path.AtPoint(t);
            using var q = loaded.AtPoint(t);
            Assert.True(MaxDifference(p.PredictProbabilities(x), q.PredictProbabilities(x)) < 1e-6, $"t = {t}");
        }
    }

    [Fact]
    public void SavedPipelineWithPathRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 9 }, 3, seed: 81);
        using var b = RandomMlp(6, new[] { 9 }, 3, seed: 82);
        var x = RandomInputs(30, 6, seed: 14);
        var data = ToDataView(ml, x, 6, 3);
        using var path = ml.Subspaces().Connections.OptimalTransport(a, b);
        var pipeline = new TransformerChain<ITransformer>(path);
        var file = Path.Combine(Path.GetTempPath(), $"connection-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Subspaces().Model.Save(pipeline, data.Schema, file);
            var loaded = ml.Subspaces().Model.Load(file, out _);
            var expected = ml.Subspaces().Evaluate(pipeline.Transform(data));
            var actual = ml.Subspaces().Evaluate(loaded.Transform(data));
            Assert.Equal(expected.Accuracy, actual.Accuracy, 12);
            Assert.Equal(expected.LogLoss, actual.LogLoss, 6);
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
