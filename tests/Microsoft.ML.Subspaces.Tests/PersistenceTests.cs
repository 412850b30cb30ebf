using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Saving and loading pipelines with subspace transformers: equality, options, atomicity, and the ML.NET save guard.</summary>
public class PersistenceTests : IClassFixture<SmallLineFixture>, IDisposable
{
    private readonly SmallLineFixture _f;
    private readonly string _dir;

    public PersistenceTests(SmallLineFixture fixture)
    {
        _f = fixture;
        _dir = Path.Combine(Path.GetTempPath(), "subspaces-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static void AssertBitwiseEqual(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int c = 0; c < expected[i].Length; c++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i][c]) == BitConverter.SingleToInt32Bits(actual[i][c]),
                    $"row {i}, class {c}: {actual[i][c]:R} after loading, {expected[i][c]:R} before");
        }
    }

    [Fact]
    public void Saved_and_loaded_pipeline_predicts_identically()
    {
        string path = PathOf("line.zip");
        _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, path);
        var ml = new MLContext(seed: 77); // another context, as a fresh process would have
        using var loaded = (IDisposable)ml.Subspaces().Model.Load(path, out var schema);
        var model = (ITransformer)loaded;

        Assert.Equal(_f.Train.Schema.Select(c => (c.Name, c.Type.ToString())), schema.Select(c => (c.Name, c.Type.ToString())));
        var line = TestData.Subspace(model);
        Assert.Equal("line", line.Shape.Name);
        Assert.Equal(_f.Line.Network.Describe(), line.Network.Describe());
        Assert.Equal(new[] { 0.5 }, line.Positions.Single());
        AssertBitwiseEqual(TestData.Scores(_f.Model.Transform(_f.Test)), TestData.Scores(model.Transform(_f.Test)));
        Assert.Equal(_f.Model.Transform(_f.Test).GetColumn<uint>("PredictedLabel"), model.Transform(_f.Test).GetColumn<uint>("PredictedLabel"));
    }

    [Fact]
    public void The_prediction_point_is_saved_with_the_model()
    {
        using var atPoint = _f.Line.WithPoint(0.3);
        var chain = TestData.Replace(_f.Model, atPoint);
        string path = PathOf("line-0.3.zip");
        _f.Context.Subspaces().Model.Save(chain, _f.Train.Schema, path);
        using var loaded = (IDisposable)new MLContext().Subspaces().Model.Load(path, out _);
        var line = TestData.Subspace((ITransformer)loaded);
        Assert.Equal(new[] { new[] { 0.3 } }, line.Positions);
        AssertBitwiseEqual(TestData.Scores(chain.Transform(_f.Test)), TestData.Scores(((ITransformer)loaded).Transform(_f.Test)));
        // ... and it is not the midpoint
        Assert.NotEqual(TestData.Scores(_f.Model.Transform(_f.Test))[0], TestData.Scores(((ITransformer)loaded).Transform(_f.Test))[0]);
    }

    [Fact]
    public void An_ensemble_is_saved_with_the_model()
    {
        using var ensemble = _f.Line.WithEnsemble(SubspaceEnsemble.Endpoints);
        string path = PathOf("ensemble.zip");
        _f.Context.Subspaces().Model.Save(ensemble, _f.Train.Schema, path); // a bare transformer, not a chain
        using var loaded = (SubspaceTransformer)_f.Context.Subspaces().Model.Load(path, out _);
        Assert.Equal(new[] { new[] { 0.0 }, new[] { 1.0 } }, loaded.Positions);
        Assert.Equal("endpoints", loaded.Prediction);
        var keyed = TestData.Keyed(_f.Context, _f.Test);
        AssertBitwiseEqual(TestData.Scores(ensemble.Transform(keyed)), TestData.Scores(loaded.Transform(keyed)));
    }

    [Fact]
    public void Saving_to_and_loading_from_a_stream_round_trips()
    {
        using var stream = new MemoryStream();
        _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, stream);
        stream.Position = 0;
        using var loaded = (IDisposable)_f.Context.Subspaces().Model.Load(stream, out _);
        AssertBitwiseEqual(TestData.Scores(_f.Model.Transform(_f.Test)), TestData.Scores(((ITransformer)loaded).Transform(_f.Test)));
    }

    [Fact]
    public async Task A_model_loads_and_predicts_identically_in_a_fresh_process()
    {
        using var atPoint = _f.Line.WithPoint(0.3);
        var chain = TestData.Replace(_f.Model, atPoint);
        string path = PathOf("fresh.zip");
        string output = PathOf("fresh-scores.txt");
        const int rows = 50;
        _f.Context.Subspaces().Model.Save(chain, _f.Train.Schema, path);

        string assembly = typeof(ScoringTool).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", assembly, "score", path, rows.ToString(CultureInfo.InvariantCulture), output }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"the scoring process failed ({process.ExitCode}): {await stderr} {await stdout}");

        var (positions, scores) = ScoringTool.ReadOutput(output);
        Assert.Equal("positions 0.3", positions);
        var expected = TestData.Scores(chain.Transform(_f.Context.Data.LoadFromEnumerable(_f.TestRows.Take(rows))));
        AssertBitwiseEqual(expected, scores);
    }

    [Fact]
    public void MlNet_Model_Save_refuses_a_subspace_pipeline_and_leaves_no_file()
    {
        string path = PathOf("mlnet.zip");
        var e = Assert.Throws<NotSupportedException>(() => _f.Context.Model.Save(_f.Model, _f.Train.Schema, path));
        Assert.Contains("mlContext.Subspaces().Model.Save", e.Message);
        Assert.False(File.Exists(path), "ML.NET's partly written file was left behind");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void MlNet_Model_Save_to_a_stream_refuses_a_subspace_transformer()
    {
        using var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => _f.Context.Model.Save(_f.Line, _f.Train.Schema, stream));
        Assert.Contains("mlContext.Subspaces().Model.Save", e.Message);
    }

    [Fact]
    public void A_successful_save_leaves_no_temporary_files_and_overwrites_the_old_model()
    {
        string path = PathOf("model.zip");
        using var atEnd = _f.Line.WithPoint(1.0);
        _f.Context.Subspaces().Model.Save(TestData.Replace(_f.Model, atEnd), _f.Train.Schema, path);
        _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, path); // over the existing file
        Assert.Equal(new[] { "model.zip" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        using var loaded = (IDisposable)_f.Context.Subspaces().Model.Load(path, out _);
        Assert.Equal(new[] { 0.5 }, TestData.Subspace((ITransformer)loaded).Positions.Single());
    }

    [Fact]
    public void A_failed_save_leaves_the_old_file_intact()
    {
        string path = PathOf("model.zip");
        _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, path);
        var before = File.ReadAllBytes(path);
        var disposed = _f.Line.WithPoint(0.9);
        disposed.Dispose(); // saving a disposed transformer fails half-way through serialization
        Assert.Throws<ObjectDisposedException>(() =>
            _f.Context.Subspaces().Model.Save(TestData.Replace(_f.Model, disposed), _f.Train.Schema, path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.zip" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }
}
