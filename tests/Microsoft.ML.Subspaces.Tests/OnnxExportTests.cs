using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Tests.Images;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// ONNX export: ONNX Runtime computes, from the exported graph, the probabilities TorchSharp computes (within 1e-5), for
/// every prediction option and architecture; the ML.NET pipeline applying it evaluates, saves and loads as ML.NET's own.
/// </summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    private static readonly Lazy<(MLContext Ml, ITransformer Model, IDataView Test)> LineOnDigits = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.OptdigitsTrain, 0, 1200);
        var pipeline = TestData.MapLabelToKey(ml).Append(ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 3)));
        var model = pipeline.Fit(train);
        return (ml, model, TestData.View(ml, TestData.OptdigitsTest, 0, 600));
    });

    /// <summary>Features of a data view as one row-major array.</summary>
    private static (float[] Values, int Rows, int Width) Features(IDataView data, string column = "Features")
    {
        var rows = data.GetColumn<float[]>(column).ToArray();
        return (rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);
    }

    /// <summary>Runs the exported graph in ONNX Runtime on a batch: Score rows and PredictedLabel.</summary>
    private static (float[][] Scores, long[] Labels) RunOnnx(byte[] model, string input, float[] features, int rows, int width)
    {
        using var session = new InferenceSession(model);
        var tensor = new DenseTensor<float>(features, new[] { rows, width });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, tensor) });
        var score = results.Single(r => r.Name == "Score").AsTensor<float>();
        int classes = score.Dimensions[1];
        var scores = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, classes).Select(c => score[i, c]).ToArray()).ToArray();
        var labels = results.Single(r => r.Name == "PredictedLabel").AsTensor<long>().ToArray();
        return (scores, labels);
    }

    private static byte[] Export(MLContext ml, ITransformer model)
    {
        using var stream = new MemoryStream();
        ml.Subspaces().Model.ExportOnnx(model, stream);
        return stream.ToArray();
    }

    private static void AssertSameProbabilities(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            for (int c = 0; c < expected[i].Length; c++)
                worst = Math.Max(worst, Math.Abs(expected[i][c] - actual[i][c]));
        Assert.True(worst <= Tolerance, $"{what}: largest probability difference {worst:G3} exceeds {Tolerance}");
    }

    private static int ArgMax(float[] row) => Array.IndexOf(row, row.Max());

    [Fact]
    public void OnnxRuntimeGivesTheLinesProbabilitiesAtEveryPredictionOption()
    {
        var (ml, model, test) = LineOnDigits.Value;
        var line = TestData.Subspace(model);
        var keyed = TestData.Keyed(ml, test);
        var (features, rows, width) = Features(keyed);
        foreach (var option in new[] { line, line.WithPoint(0.3), line.WithEnsemble(SubspaceEnsemble.Endpoints) })
        {
            var expected = TestData.Scores(option.Transform(keyed));
            var (scores, labels) = RunOnnx(Export(ml, option), "Features", features, rows, width);
            AssertSameProbabilities(expected, scores, option.Prediction);
            Assert.Equal(expected.Select(ArgMax).Select(i => (long)i), labels);
        }
        // The options differ, so the export follows the option rather than the weights alone.
        Assert.NotEqual(Export(ml, line), Export(ml, line.WithPoint(0.3)));
    }

    [Fact]
    public void ExportedPipelineEvaluatesSavesAndLoadsAsAnOrdinaryMlNetModel()
    {
        var (ml, model, test) = LineOnDigits.Value;
        string dir = Directory.CreateTempSubdirectory("onnx-export").FullName;
        try
        {
            var onnxPipeline = ml.Subspaces().Model.ExportOnnxPipeline(model, test.Schema, Path.Combine(dir, "line.onnx"));
            var expected = model.Transform(test);
            var actual = onnxPipeline.Transform(test);
            AssertSameProbabilities(TestData.Scores(expected), TestData.Scores(actual), "pipeline");
            var a = ml.MulticlassClassification.Evaluate(expected);
            var b = ml.MulticlassClassification.Evaluate(actual);
            Assert.Equal(a.MicroAccuracy, b.MicroAccuracy);
            Assert.Equal(a.LogLoss, b.LogLoss, 4);

            // PredictedLabel: the label's key, one element per row.
            var predicted = actual.GetColumn<uint[]>("PredictedLabel").Select(v => Assert.Single(v)).ToArray();
            Assert.Equal(expected.GetColumn<uint>("PredictedLabel"), predicted);

            // mlContext.Model.Save stores it; loaded back, it predicts the same.
            string saved = Path.Combine(dir, "pipeline.zip");
            ml.Model.Save(onnxPipeline, test.Schema, saved);
            File.Delete(Path.Combine(dir, "line.onnx")); // the graph travels inside the ML.NET file
            var loaded = ml.Model.Load(saved, out _);
            AssertSameProbabilities(TestData.Scores(actual), TestData.Scores(loaded.Transform(test)), "loaded pipeline");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnEnsembleOfSeparateModelsExportsAsTheMeanOfItsMembers()
    {
        var ml = new MLContext(seed: 2);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 600));
        using var a = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 16 }, Epochs = 2, Seed = 1 }).Fit(train);
        using var b = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 24, 8 }, Epochs = 2, Seed = 2 }).Fit(train);
        using var ensemble = ml.Subspaces().Ensemble(a, b);
        var test = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTest, 0, 300));
        var (features, rows, width) = Features(test);
        var (scores, _) = RunOnnx(Export(ml, ensemble), "Features", features, rows, width);
        AssertSameProbabilities(TestData.Scores(ensemble.Transform(test)), scores, "ensemble of two MLPs");
    }

    [Theory]
    [InlineData(NetworkArchitecture.ConvNet)]
    [InlineData(NetworkArchitecture.ResNet20)]
    public void ImageNetworksExportWithTheirPointsBatchNormStatistics(NetworkArchitecture network)
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256);
        using var model = ml.Subspaces().Trainers.Line(new LineTrainerOptions
        {
            Network = network, WidthMultiplier = 0.25, Epochs = 1, BatchSize = 32, Device = "cpu",
        }).Fit(train);
        var test = ImageTestData.Mnist(ml, 0, 200, test: true);
        var (features, rows, width) = Features(test);
        foreach (var option in new[] { model, model.WithPoint(0.3) })
        {
            var (scores, _) = RunOnnx(Export(ml, option), "Features", features, rows, width);
            AssertSameProbabilities(TestData.Scores(option.Transform(test)), scores, $"{network} {option.Prediction}");
        }
        // Through ML.NET: the features column is typed [1, 28, 28], as ExtractPixels writes it; the graph reads [N, 784].
        Assert.Equal(3, ((VectorDataViewType)test.Schema["Features"].Type).Dimensions.Length);
        string dir = Directory.CreateTempSubdirectory("onnx-image").FullName;
        try
        {
            var pipeline = ml.Subspaces().Model.ExportOnnxPipeline(model, test.Schema, Path.Combine(dir, "image.onnx"));
            AssertSameProbabilities(TestData.Scores(model.Transform(test)), TestData.Scores(pipeline.Transform(test)), $"{network} pipeline");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The serving program's output folder: tests/OnnxServing/bin/CONFIGURATION/TFM, beside this assembly's.</summary>
    private static string ServingAssembly()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = bin.Name, configuration = bin.Parent!.Name;
        var tests = bin.Parent.Parent!.Parent!.Parent!.FullName; // .../tests
        return Path.Combine(tests, "OnnxServing", "bin", configuration, tfm, "OnnxServing.dll");
    }

    [Fact]
    public async Task AFreshProcessWithoutTheLibraryPredictsTheSame()
    {
        var (ml, model, test) = LineOnDigits.Value;
        var line = TestData.Subspace(model).WithEnsemble(SubspaceEnsemble.Endpoints);
        var keyed = TestData.Keyed(ml, test);
        var (features, rows, width) = Features(keyed);
        string dir = Directory.CreateTempSubdirectory("onnx-serving").FullName;
        try
        {
            string modelPath = Path.Combine(dir, "model.zip"), featuresPath = Path.Combine(dir, "features.bin"), output = Path.Combine(dir, "out.txt");
            var pipeline = ml.Subspaces().Model.ExportOnnxPipeline(line, keyed.Schema, Path.Combine(dir, "line.onnx"));
            ml.Model.Save(pipeline, keyed.Schema, modelPath);
            var bytes = new byte[features.Length * sizeof(float)];
            Buffer.BlockCopy(features, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(featuresPath, bytes);

            string serving = ServingAssembly();
            Assert.True(File.Exists(serving), $"the serving program was not built at {serving}");
            var start = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "exec", serving, modelPath, featuresPath, width.ToString(System.Globalization.CultureInfo.InvariantCulture), output })
                start.ArgumentList.Add(a);
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"the serving process failed ({process.ExitCode}): {await stderr} {await stdout}");

            static float FromBits(string h) => BitConverter.Int32BitsToSingle(int.Parse(h, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
            var lines = File.ReadAllLines(output);
            var served = lines.Take(rows).Select(l => l.Split(' ').Select(FromBits).ToArray()).ToArray();
            var expected = TestData.Scores(line.Transform(keyed));
            AssertSameProbabilities(expected, served, "fresh serving process");

            var engine = lines[rows].Split(" label ");
            var engineScore = engine[0]["engine ".Length..].Split(' ').Select(FromBits).ToArray();
            AssertSameProbabilities(new[] { expected[0] }, new[] { engineScore }, "PredictionEngine in the serving process");
            Assert.Equal((ArgMax(expected[0]) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), engine[1]);

            var assemblies = lines[rows + 1]["assemblies ".Length..].Split(';');
            Assert.Contains("Microsoft.ML.OnnxTransformer", assemblies);
            Assert.DoesNotContain(assemblies, a => a.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase) || a.Contains("Subspaces", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ExportNamesWhatIsWrongWithTheModel()
    {
        var (ml, model, _) = LineOnDigits.Value;
        var line = TestData.Subspace(model);
        var twoScorers = new TransformerChain<ITransformer>(line, line.WithPoint(0.2));
        var e = Assert.Throws<ArgumentException>(() => Export(ml, twoScorers));
        Assert.Contains("exactly one", e.Message);
        var none = new TransformerChain<ITransformer>();
        Assert.Contains("holds 0", Assert.Throws<ArgumentException>(() => Export(ml, none)).Message);
        var disposed = line.WithPoint(0.5);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Export(ml, disposed));
    }
}
