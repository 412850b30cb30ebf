using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Transformers;

namespace Subspaces.Samples.Common;

/// <summary>
/// The ONNX table the main and image samples print: each model exported with <c>ExportOnnxPipeline</c>, scored by ONNX
/// Runtime through ML.NET's <c>ApplyOnnxModel</c> on the test rows, next to the model itself (TorchSharp): the largest
/// difference of any class probability, and both accuracies from <c>MulticlassClassification.Evaluate</c>.
/// </summary>
public static class OnnxCheck
{
    public static void Print(MLContext ml, IDataView test, params (string Name, ScorerTransformer Model)[] models)
    {
        string dir = Directory.CreateTempSubdirectory("subspaces-onnx").FullName;
        try
        {
            Console.WriteLine($"{"ONNX export (ONNX Runtime vs TorchSharp)",-44} {"rows",6} {"max |dp|",9} {"acc torch",10} {"acc onnx",10}");
            Console.WriteLine(new string('-', 83));
            foreach (var (name, model) in models)
            {
                var onnx = ml.Subspaces().Model.ExportOnnxPipeline(model, test.Schema, Path.Combine(dir, "model.onnx"));
                var torch = model.Transform(test);
                var runtime = onnx.Transform(test);
                var a = torch.GetColumn<float[]>("Score").ToArray();
                var b = runtime.GetColumn<float[]>("Score").ToArray();
                double worst = a.Zip(b).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
                double accuracyTorch = ml.MulticlassClassification.Evaluate(torch).MicroAccuracy;
                double accuracyOnnx = ml.MulticlassClassification.Evaluate(runtime).MicroAccuracy;
                Console.WriteLine($"{name,-44} {a.Length,6} {worst,9:0.0E+0} {accuracyTorch * 100,9:F2}% {accuracyOnnx * 100,9:F2}%");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
