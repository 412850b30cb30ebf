using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>A tiny line and a tiny 3-simplex on optdigits, and a saved copy of the line, for the bad-input tests.</summary>
public sealed class TinyModelsFixture : IDisposable
{
    public TinyModelsFixture()
    {
        Context = new MLContext(seed: 5);
        Train = TestData.Keyed(Context, TestData.View(Context, TestData.OptdigitsTrain, 0, 200));
        Line = Context.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 1, hidden: 8)).Fit(Train);
        Simplex = Context.Subspaces().Trainers.Simplex(new SimplexTrainerOptions { Vertices = 3, HiddenLayers = new[] { 8 }, Epochs = 1, Device = "cpu" }).Fit(Train);
        Directory = Path.Combine(Path.GetTempPath(), "subspaces-bad-input-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ModelPath = Path.Combine(Directory, "line.zip");
        Context.Subspaces().Model.Save(Line, Train.Schema, ModelPath);
    }

    public MLContext Context { get; }
    public IDataView Train { get; }
    public SubspaceTransformer Line { get; }
    public SubspaceTransformer Simplex { get; }
    public string Directory { get; }
    public string ModelPath { get; }

    public void Dispose()
    {
        Line.Dispose();
        Simplex.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>Every kind of bad input fails with an error that names the column, row or value, or is handled as documented.</summary>
public class BadInputTests : IClassFixture<TinyModelsFixture>
{
    private readonly TinyModelsFixture _f;
    public BadInputTests(TinyModelsFixture fixture) => _f = fixture;

    // Row types with a key-typed label of 10 classes and features of various types. (ML.NET reads a [KeyType]
    // member of an object as a 0-based class: 0..9 become keys 1..10. Missing labels are made the usual way,
    // below: a NaN label through MapValueToKey becomes key 0.)
    private sealed class KeyRow
    {
        [KeyType(10)] public uint Label { get; set; }
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
    }

    private sealed class DoubleVectorRow
    {
        [KeyType(10)] public uint Label { get; set; }
        [VectorType(4)] public double[] Features { get; set; } = new double[4];
    }

    private sealed class ScalarRow
    {
        [KeyType(10)] public uint Label { get; set; }
        public float Features { get; set; }
    }

    private sealed class VariableVectorRow
    {
        [KeyType(10)] public uint Label { get; set; }
        public float[] Features { get; set; } = new float[4];
    }

    [Fact]
    public void A_label_beyond_the_key_count_is_reported_never_trained_on_as_a_class()
    {
        // ML.NET reads a [KeyType(10)] value of 12 as a missing key (0); the trainer skips the row and says so in the
        // log. (A raw key above the count that reaches the reader is an error naming the row.)
        var ml = new MLContext(seed: 1);
        var log = new System.Collections.Concurrent.ConcurrentBag<string>();
        ml.Log += (_, e) => log.Add(e.Message);
        var rows = KeyRows(20);
        rows[7].Label = 12;
        using var model = FitTiny(ml, rows);
        Assert.Contains(log, m => m.Contains("Skipped 1 training rows whose label 'Label' is missing", StringComparison.Ordinal));
        Assert.Equal(10, model.ClassCount);
    }

    private static LineTrainerOptions Tiny() => new() { HiddenLayers = new[] { 4 }, Epochs = 1, BatchSize = 16, Device = "cpu" };

    private static List<KeyRow> KeyRows(int n) => Enumerable.Range(0, n)
        .Select(i => new KeyRow { Label = (uint)(i % 10), Features = new[] { i % 10 / 10f, 0.5f, (i * 7 % 10) / 10f, 1f } }).ToList();

    private static SubspaceTransformer FitTiny<T>(MLContext ml, IEnumerable<T> rows, LineTrainerOptions? options = null) where T : class =>
        ml.Subspaces().Trainers.Line(options ?? Tiny()).Fit(ml.Data.LoadFromEnumerable(rows));

    [Fact]
    public void A_label_that_is_not_a_key_is_rejected_naming_the_column_and_MapValueToKey()
    {
        var ml = new MLContext(1);
        var raw = TestData.View(ml, TestData.OptdigitsTrain, 0, 50); // Label is UInt32, not a key
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(Tiny()).Fit(raw));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("MapValueToKey", e.Message);
        // The estimator's schema check says the same before any data is read.
        var s = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(Tiny()).GetOutputSchema(TestData.ShapeOf(raw.Schema)));
        Assert.Contains("'Label'", s.Message);
        Assert.Contains("MapValueToKey", s.Message);
    }

    [Fact]
    public void A_renamed_label_column_is_named_in_the_error()
    {
        var ml = new MLContext(1);
        var raw = ml.Transforms.CopyColumns("Digit", "Label").Fit(TestData.View(ml, TestData.OptdigitsTrain, 0, 20)).Transform(TestData.View(ml, TestData.OptdigitsTrain, 0, 20));
        var options = Tiny();
        options.LabelColumnName = "Digit";
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(options).Fit(raw));
        Assert.Contains("'Digit'", e.Message);
        Assert.Contains("MapValueToKey(\"Digit\")", e.Message);
    }

    [Fact]
    public void Features_that_are_a_double_vector_are_rejected()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 20).Select(i => new DoubleVectorRow { Label = (uint)(i % 10), Features = new double[] { i, 1, 2, 3 } });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FitTiny(ml, rows));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("known-size vector of Single", e.Message);
        Assert.Contains("Double", e.Message);
    }

    [Fact]
    public void Features_that_are_a_scalar_are_rejected()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 20).Select(i => new ScalarRow { Label = (uint)(i % 10), Features = i });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FitTiny(ml, rows));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("known-size vector of Single", e.Message);
        var s = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Subspaces().Trainers.Line(Tiny()).GetOutputSchema(TestData.ShapeOf(ml.Data.LoadFromEnumerable(rows).Schema)));
        Assert.Contains("'Features'", s.Message);
    }

    [Fact]
    public void Features_of_variable_size_are_rejected()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 20).Select(i => new VariableVectorRow { Label = (uint)(i % 10), Features = new float[] { i, 1, 2, 3 } });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FitTiny(ml, rows));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("known-size", e.Message);
    }

    [Fact]
    public void A_missing_features_column_is_named_with_the_columns_present()
    {
        var ml = new MLContext(1);
        var options = Tiny();
        options.FeatureColumnName = "Pixels";
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FitTiny(ml, KeyRows(20), options));
        Assert.Contains("'Pixels'", e.Message);
        Assert.Contains("Features", e.Message); // the columns that do exist
    }

    [Theory]
    [InlineData(float.NaN, 3, 2)]
    [InlineData(float.PositiveInfinity, 5, 0)]
    [InlineData(float.NegativeInfinity, 17, 3)]
    public void Non_finite_features_are_rejected_naming_the_column_and_the_row(float bad, int row, int slot)
    {
        var ml = new MLContext(1);
        var rows = KeyRows(20);
        rows[row].Features[slot] = bad;
        var e = Assert.Throws<InvalidOperationException>(() => FitTiny(ml, rows));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains($"row {row}", e.Message);
        Assert.Contains($"slot {slot}", e.Message);
    }

    [Fact]
    public void Auto_device_without_a_gpu_request_trains_on_the_cpu()
    {
        var options = Tiny();
        options.Device = "auto";
        using var model = FitTiny(new MLContext(1), KeyRows(20), options);
        Assert.Equal(DeviceType.CPU, model.Weights.Network.Device.type);
    }

    [Fact]
    public void No_rows_is_an_error()
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<InvalidOperationException>(() => FitTiny(ml, KeyRows(0)));
        Assert.Contains("no rows", e.Message);
    }

    private sealed class FloatLabelRow
    {
        public float Label { get; set; }
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
    }

    /// <summary>Rows with a float label (NaN where <paramref name="missing"/> says), keyed by a MapValueToKey fitted on complete labels.</summary>
    private static IDataView WithMissingLabels(MLContext ml, int n, Func<int, bool> missing, Func<int, bool>? nanFeatures = null)
    {
        FloatLabelRow Row(int i, bool labelMissing) => new()
        {
            Label = labelMissing ? float.NaN : i % 10,
            Features = new[] { nanFeatures?.Invoke(i) == true && labelMissing ? float.NaN : i % 10 / 10f, 0.5f, (i * 7 % 10) / 10f, 1f },
        };
        var complete = ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => Row(i, false)));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(complete);
        return keys.Transform(ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => Row(i, missing(i)))));
    }

    [Fact]
    public void All_labels_missing_is_an_error_naming_the_column()
    {
        var ml = new MLContext(1);
        var data = WithMissingLabels(ml, 30, _ => true);
        Assert.All(data.GetColumn<uint>("Label"), key => Assert.Equal(0u, key));
        var e = Assert.Throws<InvalidOperationException>(() => ml.Subspaces().Trainers.Line(Tiny()).Fit(data));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("all 30 rows", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Rows_whose_label_is_missing_are_skipped_and_training_succeeds()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        // 25 of 100 rows have no label, and NaN features that would be rejected if the rows were read.
        var data = WithMissingLabels(ml, 100, i => i % 4 == 0, nanFeatures: _ => true);
        Assert.Equal(25, data.GetColumn<uint>("Label").Count(key => key == 0));
        using var model = ml.Subspaces().Trainers.Line(Tiny()).Fit(data);
        Assert.Equal(10, model.ClassCount);
        Assert.Contains(messages, m => m.Contains("Skipped 25 training rows") && m.Contains("'Label'"));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_point_outside_the_line_is_rejected(double a)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Line.WithPoint(a));
        Assert.Contains(a.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Line.WithEnsemble(SubspaceEnsemble.Points(new[] { 0.0 }, new[] { a })));
    }

    [Fact]
    public void Simplex_coordinates_that_do_not_sum_to_one_or_have_the_wrong_count_are_rejected()
    {
        var sum = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Simplex.WithPoint(new[] { 0.5, 0.3, 0.1 }));
        Assert.Contains("sum", sum.Message);
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Simplex.WithPoint(new[] { 0.5, 0.5 }));
        Assert.Contains("3 barycentric coordinates", count.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Simplex.WithPoint(0.5)); // one coordinate for a 3-simplex
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Simplex.WithPoint(new[] { 1.2, -0.1, -0.1 }));
        Assert.Throws<ArgumentException>(() => _f.Simplex.WithEnsemble(SubspaceEnsemble.Symmetric(0.2))); // a line/curve-only ensemble
        // and a valid point works
        using var ok = _f.Simplex.WithPoint(new[] { 0.2, 0.3, 0.5 });
        Assert.Equal(new[] { 0.2, 0.3, 0.5 }, ok.Positions.Single());
    }

    [Fact]
    public void An_unknown_device_is_rejected_naming_it()
    {
        var options = Tiny();
        options.Device = "tpu";
        var e = Assert.Throws<ArgumentException>(() => FitTiny(new MLContext(1), KeyRows(20), options));
        Assert.Contains("'tpu'", e.Message);
    }

    [Fact]
    public void Cuda_with_the_cpu_runtime_is_an_error_naming_the_runtime_to_reference()
    {
        Assert.False(Runtime.TorchDeviceResolver.CudaAvailable, "these tests expect the CPU libtorch runtime");
        var options = Tiny();
        options.Device = "cuda";
        var e = Assert.Throws<InvalidOperationException>(() => FitTiny(new MLContext(1), KeyRows(20), options));
        Assert.Contains("CUDA runtime package", e.Message);
        Assert.Contains("FallbackToCpu", e.Message);
        // MLContext.GpuDeviceId asks for a GPU too, with Device left at "auto".
        var automatic = Tiny();
        automatic.Device = "auto";
        var auto = Assert.Throws<InvalidOperationException>(() => FitTiny(new MLContext(1) { GpuDeviceId = 0 }, KeyRows(20), automatic));
        Assert.Contains("CUDA runtime package", auto.Message);
    }

    [Fact]
    public void Cuda_with_FallbackToCpu_trains_on_the_cpu_and_says_so()
    {
        var ml = new MLContext(1) { FallbackToCpu = true };
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var options = Tiny();
        options.Device = "cuda";
        using var model = FitTiny(ml, KeyRows(40), options);
        Assert.Equal(DeviceType.CPU, model.Weights.Network.Device.type);
        Assert.Contains(messages, m => m.Contains("falling back to CPU"));
        Assert.Equal(40, TestData.Scores(model.Transform(ml.Data.LoadFromEnumerable(KeyRows(40)))).Length);
    }

    [Fact]
    public void Features_of_the_wrong_size_at_prediction_time_are_rejected()
    {
        var data = new MLContext(1).Data.LoadFromEnumerable(KeyRows(5)); // 4 features; the model has 64
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Line.Transform(data));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("64", e.Message);
    }

    [Fact]
    public void Invalid_hyper_parameters_are_rejected_when_the_trainer_is_created()
    {
        var ml = new MLContext(1);
        Assert.Equal("Epochs", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(new LineTrainerOptions { Epochs = 0 })).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(new LineTrainerOptions { LearningRate = double.NaN })).ParamName);
        Assert.Equal("HiddenLayers", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 16, 0 } })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Simplex(vertices: 1));
    }

    // ---- model files ----

    private string CopyWith(string name, Func<byte[], byte[]> change)
    {
        string path = Path.Combine(_f.Directory, name);
        File.WriteAllBytes(path, change(File.ReadAllBytes(_f.ModelPath)));
        return path;
    }

    [Fact]
    public void A_model_file_with_flipped_bytes_in_the_middle_is_reported_as_corrupted()
    {
        string path = CopyWith("flipped.zip", bytes =>
        {
            for (int i = bytes.Length / 2; i < bytes.Length / 2 + 8; i++) bytes[i] ^= 0xFF;
            return bytes;
        });
        var e = Assert.Throws<InvalidDataException>(() => _f.Context.Subspaces().Model.Load(path, out _));
        Assert.Contains("corrupted or truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_model_file_cut_in_half_is_reported_as_corrupted()
    {
        string path = CopyWith("half.zip", bytes => bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => _f.Context.Subspaces().Model.Load(path, out _));
        Assert.Contains("corrupted or truncated", e.Message);
    }

    [Fact]
    public void Any_flipped_byte_either_fails_as_corrupted_or_loads_the_same_model()
    {
        // A sweep over the file: a damaged byte must never load different weights silently nor surface as an
        // unrelated exception type. (Some bytes, such as a local header's copy of a name, are never read.)
        var expected = TestData.Scores(_f.Line.Transform(_f.Train));
        var length = new FileInfo(_f.ModelPath).Length;
        var failures = new List<string>();
        for (int k = 1; k < 100; k++)
        {
            long at = length * k / 100;
            string path = CopyWith($"sweep-{k}.zip", bytes => { bytes[at] ^= 0x5A; return bytes; });
            try
            {
                using var loaded = (IDisposable)_f.Context.Subspaces().Model.Load(path, out _);
                var scores = TestData.Scores(((ITransformer)loaded).Transform(_f.Train));
                for (int r = 0; r < expected.Length; r++)
                    if (!expected[r].SequenceEqual(scores[r])) { failures.Add($"byte {at}: loaded and predicted differently"); break; }
            }
            catch (InvalidDataException e) when (e.Message.Contains("corrupted or truncated")) { }
            catch (Exception e) { failures.Add($"byte {at}: {e.GetType().Name}: {e.Message}"); }
            File.Delete(path);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_reported_as_corrupted()
    {
        string text = Path.Combine(_f.Directory, "not-a-model.zip");
        File.WriteAllText(text, "hello");
        Assert.Contains("corrupted or truncated", Assert.Throws<InvalidDataException>(() => _f.Context.Subspaces().Model.Load(text, out _)).Message);
        string empty = Path.Combine(_f.Directory, "empty.zip");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("corrupted or truncated", Assert.Throws<InvalidDataException>(() => _f.Context.Subspaces().Model.Load(empty, out _)).Message);
    }

    [Fact]
    public void A_missing_model_file_is_FileNotFound()
    {
        string path = Path.Combine(_f.Directory, "does-not-exist.zip");
        var e = Assert.Throws<FileNotFoundException>(() => _f.Context.Subspaces().Model.Load(path, out _));
        Assert.Equal(path, e.FileName);
    }

    [Theory]
    [InlineData(37, 13, float.NaN)]
    [InlineData(37, 36, float.PositiveInfinity)] // in the scalar tail after the last whole vector
    [InlineData(64, 0, float.NegativeInfinity)]
    [InlineData(3, 1, float.NaN)]                // shorter than a vector
    [InlineData(64, -1, 0f)]
    public void TheRowCheckFindsTheFirstNonFiniteSlot(int length, int slot, float value)
    {
        var row = Enumerable.Range(0, length).Select(i => i * 1e30f).ToArray(); // large but finite
        if (slot >= 0) row[slot] = value;
        if (slot >= 0 && slot + 1 < length) row[^1] = float.NaN; // a later one does not hide the first
        Assert.Equal(slot, Data.LabeledRowReader.FirstNonFinite(row));
    }
}
