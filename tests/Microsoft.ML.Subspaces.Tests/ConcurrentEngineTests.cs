using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Serving: many PredictionEngines over one model, created with ML.NET's defaults (an engine owns, and disposes, its
/// model), disposed at random while others predict from other threads. Before, this freed the weights under the
/// predicting threads (SIGSEGV); now every engine keeps its own share of the weights.
/// </summary>
public class ConcurrentEngineTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public ConcurrentEngineTests(SmallLineFixture fixture) => _f = fixture;

    [Fact]
    public async Task Engines_disposed_at_random_while_others_predict_leave_them_working()
    {
        var rows = _f.TestRows.Take(20).ToList();
        float[][] expected;
        using (var reference = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false }))
            expected = rows.Select(r => reference.Predict(r).Score.ToArray()).ToArray();

        var random = new Random(7);
        for (int round = 0; round < 30; round++)
        {
            // Each round's model shares the fitted weights (as a model reloaded or derived would), and each of its 8
            // engines owns it, as ML.NET's defaults do.
            var model = TestData.Replace(_f.Model, _f.Line.AtCenter());
            var engines = Enumerable.Range(0, 8).Select(_ => _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(model)).ToArray();
            var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
            using var go = new ManualResetEventSlim();
            var predicting = Enumerable.Range(4, 4).Select(e => Task.Run(() =>
            {
                go.Wait();
                for (int repeat = 0; repeat < 5; repeat++)
                    for (int i = 0; i < rows.Count; i++)
                    {
                        var score = engines[e].Predict(rows[i]).Score;
                        if (!score.SequenceEqual(expected[i])) errors.Add($"round {round}, engine {e}, row {i}: scores differ");
                    }
            })).ToArray();
            go.Set();
            foreach (var e in Enumerable.Range(0, 4).OrderBy(_ => random.Next()))
            {
                Thread.Sleep(random.Next(3));
                engines[e].Dispose(); // disposes the round's model too
            }
            await Task.WhenAll(predicting);
            Assert.Empty(errors);
            foreach (var engine in engines.Skip(4)) engine.Dispose();
        }
        // The fitted model itself was never disposed and predicts as before.
        using var after = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false });
        Assert.Equal(expected[0], after.Predict(rows[0]).Score);
    }

    [Fact]
    public async Task A_transformer_disposed_while_threads_predict_with_it_never_crashes()
    {
        var features = _f.TestRows.Take(50).SelectMany(r => r.Features).ToArray();
        for (int round = 0; round < 20; round++)
        {
            var model = _f.Line.WithPoint(0.3);
            var expected = model.PredictProbabilities(features);
            var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
            var threads = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    try
                    {
                        var p = model.PredictProbabilities(features);
                        outcomes.Add(p.SequenceEqual(expected) ? "same" : "different");
                    }
                    catch (ObjectDisposedException)
                    {
                        outcomes.Add("disposed");
                    }
                }
            })).ToArray();
            Thread.Sleep(round % 3);
            model.Dispose();
            await Task.WhenAll(threads);
            // Every call either completed with the right scores or was refused cleanly.
            Assert.DoesNotContain("different", outcomes);
            Assert.Throws<ObjectDisposedException>(() => model.PredictProbabilities(features));
        }
    }

    [Fact]
    public async Task Sixty_four_engines_created_and_disposed_at_random_from_eight_threads_while_others_predict()
    {
        var rows = _f.TestRows.Take(12).ToList();
        float[][] expected;
        using (var reference = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false }))
            expected = rows.Select(r => reference.Predict(r).Score.ToArray()).ToArray();

        // Long-lived engines that predict the whole time, over the fitted model (not owned) and over a derived one (owned).
        using var derived = _f.Line.AtCenter();
        var steady = new[]
        {
            _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false }),
            _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(TestData.Replace(_f.Model, derived.AtCenter())),
        };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int created = 0;
        using var stop = new CancellationTokenSource();
        var predictors = steady.Select((engine, e) => Task.Run(() =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                int i = n % rows.Count;
                if (!engine.Predict(rows[i]).Score.SequenceEqual(expected[i])) errors.Enqueue($"steady engine {e}, row {i}: scores differ");
            }
        })).ToArray();
        // 8 threads create 8 engines each (64 in all), each owning a model that shares the fitted weights (ML.NET's
        // default), predict a few rows with it and dispose it after a random pause.
        var churn = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var random = new Random(100 + t);
            for (int k = 0; k < 8; k++)
            {
                var model = TestData.Replace(_f.Model, derived.WithPoint(0.5));
                var engine = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(model);
                Interlocked.Increment(ref created);
                for (int n = random.Next(1, 6); n > 0; n--)
                {
                    int i = random.Next(rows.Count);
                    if (!engine.Predict(rows[i]).Score.SequenceEqual(expected[i])) errors.Enqueue($"thread {t}, engine {k}, row {i}: scores differ");
                }
                Thread.Sleep(random.Next(3));
                engine.Dispose();
            }
        })).ToArray();
        await Task.WhenAll(churn);
        stop.Cancel();
        await Task.WhenAll(predictors);
        Assert.Equal(64, created);
        Assert.Empty(errors);
        foreach (var engine in steady) engine.Dispose();
        // The fitted model and the derived one still predict as before.
        Assert.Equal(expected[0], derived.PredictProbabilities(rows[0].Features));
    }
}
