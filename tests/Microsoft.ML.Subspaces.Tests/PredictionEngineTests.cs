using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Row-at-a-time prediction gives what batch Transform gives, at every prediction option.</summary>
public class PredictionEngineTests : IClassFixture<SmallLineFixture>
{
    private const int Rows = 50;
    private readonly SmallLineFixture _f;
    public PredictionEngineTests(SmallLineFixture fixture) => _f = fixture;

    private float[][] EngineScores(ITransformer model, out uint[] predicted)
    {
        using var engine = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(model,
            new PredictionEngineOptions { OwnsTransformer = false });
        var scores = new float[Rows][];
        predicted = new uint[Rows];
        for (int i = 0; i < Rows; i++)
        {
            var p = engine.Predict(_f.TestRows[i]);
            scores[i] = p.Score.ToArray();
            predicted[i] = p.PredictedLabel;
        }
        return scores;
    }

    private float[][] BatchScores(ITransformer model, out uint[] predicted)
    {
        var scored = model.Transform(_f.Context.Data.LoadFromEnumerable(_f.TestRows.Take(Rows)));
        predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        return TestData.Scores(scored);
    }

    private void AssertEngineMatchesBatch(ITransformer model, string what)
    {
        var engine = EngineScores(model, out var enginePredicted);
        var batch = BatchScores(model, out var batchPredicted);
        Assert.Equal(Rows, batch.Length);
        for (int i = 0; i < Rows; i++)
        {
            Assert.Equal(10, engine[i].Length);
            TestData.AssertClose(batch[i], engine[i], 1e-5, $"{what}, row {i}");
            Assert.Equal(1.0, engine[i].Sum(), 4); // probabilities
        }
        Assert.Equal(batchPredicted, enginePredicted);
        for (int i = 0; i < Rows; i++)
            Assert.Equal((uint)Array.IndexOf(engine[i], engine[i].Max()), enginePredicted[i]);
    }

    [Fact]
    public void Engine_equals_transform_at_the_midpoint()
    {
        Assert.Equal(new[] { 0.5 }, _f.Line.Positions.Single());
        AssertEngineMatchesBatch(_f.Model, "midpoint");
    }

    [Fact]
    public void Engine_equals_transform_at_a_point()
    {
        using var atPoint = _f.Line.WithPoint(0.2);
        var model = TestData.Replace(_f.Model, atPoint);
        AssertEngineMatchesBatch(model, "a = 0.2");
        // and that point is not the midpoint
        var mid = BatchScores(_f.Model, out _);
        var at = BatchScores(model, out _);
        Assert.Contains(Enumerable.Range(0, Rows), i => Math.Abs(mid[i].Max() - at[i].Max()) > 1e-4);
    }

    [Fact]
    public void Engine_equals_transform_for_the_endpoint_ensemble()
    {
        using var ensemble = _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints);
        var model = TestData.Replace(_f.Model, ensemble);
        AssertEngineMatchesBatch(model, "endpoint ensemble");
        // The ensemble's probabilities are the mean of the two ends' probabilities.
        using var a0 = _f.Line.WithPoint(0.0);
        using var a1 = _f.Line.WithPoint(1.0);
        var p0 = BatchScores(TestData.Replace(_f.Model, a0), out _);
        var p1 = BatchScores(TestData.Replace(_f.Model, a1), out _);
        var pe = BatchScores(model, out _);
        for (int i = 0; i < Rows; i++)
            TestData.AssertClose(p0[i].Zip(p1[i], (x, y) => (x + y) / 2).ToArray(), pe[i], 1e-6, $"ensemble row {i}");
    }

    [Fact]
    public void Repeated_identical_rows_in_an_engine_get_identical_scores()
    {
        using var engine = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model,
            new PredictionEngineOptions { OwnsTransformer = false });
        var first = engine.Predict(_f.TestRows[0]).Score.ToArray();
        var other = engine.Predict(_f.TestRows[1]).Score.ToArray();
        var again = engine.Predict(_f.TestRows[0]).Score.ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Disposing_an_engine_over_a_derived_transformer_leaves_the_original_working()
    {
        var before = BatchScores(_f.Model, out _);
        var derived = _f.Line.WithPoint(0.2);
        var engine = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(TestData.Replace(_f.Model, derived)); // owns its model
        Assert.Equal(10, engine.Predict(_f.TestRows[0]).Score.Length);
        engine.Dispose();
        // The engine disposed the chain it owned, and with it the derived transformer.
        Assert.Throws<ObjectDisposedException>(() => derived.Transform(_f.Test));
        // The original still holds the shared weights and predicts exactly as before.
        var after = BatchScores(_f.Model, out _);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < Rows; i++) Assert.Equal(before[i], after[i]);
        // and new transformers can still be derived from it
        using var again = _f.Line.WithPoint(0.7);
        Assert.Equal(Rows, BatchScores(TestData.Replace(_f.Model, again), out _).Length);
    }

    [Fact]
    public void Disposing_the_original_leaves_a_derived_transformer_working()
    {
        var ml = new MLContext(seed: 3);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 200));
        var original = ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 1, hidden: 8)).Fit(train);
        using var derived = original.WithPoint(0.4);
        var before = TestData.Scores(derived.Transform(train));
        original.Dispose();
        Assert.Throws<ObjectDisposedException>(() => original.Transform(train));
        Assert.Throws<ObjectDisposedException>(() => original.WithPoint(0.1));
        var after = TestData.Scores(derived.Transform(train));
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
    }
}
