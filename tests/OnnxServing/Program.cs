using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// usage: OnnxServing MODEL.zip FEATURES.bin WIDTH OUTPUT
// FEATURES.bin holds rows of WIDTH little-endian floats. OUTPUT gets, per row, the bits of every Score value, then the
// single-row PredictionEngine's Score bits and PredictedLabel for the first row, then the assemblies this process loaded.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: OnnxServing MODEL.zip FEATURES.bin WIDTH OUTPUT");
    return 2;
}
int width = int.Parse(args[2], CultureInfo.InvariantCulture);
var bytes = File.ReadAllBytes(args[1]);
var values = new float[bytes.Length / sizeof(float)];
Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
var rows = Enumerable.Range(0, values.Length / width).Select(i => new Row { Features = values.AsSpan(i * width, width).ToArray() }).ToList();

var ml = new MLContext(seed: 1);
var model = ml.Model.Load(args[0], out _);
var schema = SchemaDefinition.Create(typeof(Row));
schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
var scored = model.Transform(ml.Data.LoadFromEnumerable(rows, schema));

using var output = new StreamWriter(args[3]);
foreach (var score in scored.GetColumn<float[]>("Score"))
    output.WriteLine(string.Join(" ", score.Select(Bits)));
using (var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model, inputSchemaDefinition: schema))
{
    var first = engine.Predict(rows[0]);
    output.WriteLine("engine " + string.Join(" ", first.Score.Select(Bits)) + " label " + string.Join(",", first.PredictedLabel));
}
output.WriteLine("assemblies " + string.Join(";", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Order(StringComparer.Ordinal)));
return 0;

static string Bits(float v) => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture);

internal sealed class Row
{
    public float[] Features { get; set; } = Array.Empty<float>();
}

internal sealed class Prediction
{
    public float[] Score { get; set; } = Array.Empty<float>();
    public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
}
