// A new user's console application, built by build/consumer-test.sh outside the repository against the packed
// Subspaces.ML package (no project reference): trains a line on a slice of MNIST, predicts, saves, loads, exports ONNX
// and scores the exported model. Exits 0 when every step agrees, 1 with a message otherwise.
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Runtime;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

OpenMpSpinTuning.Apply();
string data = args.Length > 0 ? args[0] : throw new ArgumentException("usage: PackageConsumer SHARED_DATA_FOLDER");
string work = Directory.CreateTempSubdirectory("subspaces-consumer").FullName;

var rows = ReadMnist(Path.Combine(data, "mnist-test-10k"), 3000);
var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(rows.Take(2000));
var test = ml.Data.LoadFromEnumerable(rows.Skip(2000));

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 64 }, Epochs = 5 }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"line midpoint: accuracy {metrics.MicroAccuracy:P2}, log-loss {metrics.LogLoss:F4}");
Check(metrics.MicroAccuracy > 0.80, $"accuracy {metrics.MicroAccuracy:P2} is implausibly low");

// OwnsTransformer = false: with ML.NET's default, disposing the engine would dispose the model, which is used below.
using (var engine = ml.Model.CreatePredictionEngine<Digit, Prediction>(model, new PredictionEngineOptions { OwnsTransformer = false }))
{
    var p = engine.Predict(rows[2000]);
    Console.WriteLine($"PredictionEngine: row 2000 is a {rows[2000].Label}, predicted {p.PredictedLabel}");
}

string saved = Path.Combine(work, "line.zip");
ml.Subspaces().Model.Save(model, train.Schema, saved);
var loaded = ml.Subspaces().Model.Load(saved, out _);
var before = Scores(model.Transform(test));
var after = Scores(loaded.Transform(test));
Check(before.Zip(after).All(p => p.First.SequenceEqual(p.Second)), "the loaded model scores differently");
Console.WriteLine($"saved and loaded: {new FileInfo(saved).Length:N0} bytes, same scores on {before.Length} rows");

var onnx = ml.Subspaces().Model.ExportOnnxPipeline(model, train.Schema, Path.Combine(work, "line.onnx"));
var onnxScores = Scores(onnx.Transform(test));
double worst = before.Zip(onnxScores).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
var onnxMetrics = ml.MulticlassClassification.Evaluate(onnx.Transform(test));
Console.WriteLine($"ONNX Runtime: accuracy {onnxMetrics.MicroAccuracy:P2}, largest probability difference {worst:G3}");
Check(worst <= 1e-5, $"ONNX probabilities differ by {worst}");
Check(onnxMetrics.MicroAccuracy == metrics.MicroAccuracy, "ONNX accuracy differs");
ml.Model.Save(onnx, train.Schema, Path.Combine(work, "line-onnx.zip"));

Directory.Delete(work, recursive: true);
Console.WriteLine("consumer: OK");
return 0;

static void Check(bool condition, string message)
{
    if (condition) return;
    Console.Error.WriteLine("consumer: FAILED: " + message);
    Environment.Exit(1);
}

static float[][] Scores(IDataView scored) => scored.GetColumn<float[]>("Score").ToArray();

// The IDX files of the MNIST test set: 28x28 bytes per image, one byte per label.
static List<Digit> ReadMnist(string folder, int count)
{
    using var images = new GZipStream(File.OpenRead(Path.Combine(folder, "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
    using var labels = new GZipStream(File.OpenRead(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz")), CompressionMode.Decompress);
    images.ReadExactly(new byte[16]);
    labels.ReadExactly(new byte[8]);
    var pixels = new byte[784];
    var label = new byte[1];
    var rows = new List<Digit>();
    for (int i = 0; i < count; i++)
    {
        images.ReadExactly(pixels);
        labels.ReadExactly(label);
        rows.Add(new Digit { Label = label[0], Features = pixels.Select(b => b / 255f).ToArray() });
    }
    return rows;
}

internal sealed class Digit
{
    public uint Label { get; set; }
    [VectorType(784)] public float[] Features { get; set; } = Array.Empty<float>();
}

internal sealed class Prediction
{
    public uint PredictedLabel { get; set; }
}
