using Google.Protobuf;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Export;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using Onnx;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Persistence;

public sealed partial class SubspaceModelOperations
{
    /// <summary>Name of the exported graph's class probabilities, <c>[N, classes]</c> floats in the order of the <c>Score</c> column.</summary>
    public const string OnnxScoreOutput = PredictionSchema.ScoreColumn;

    /// <summary>Binary classification: name of the exported graph's probability of the positive class, <c>[N, 1]</c> floats.</summary>
    public const string OnnxProbabilityOutput = PredictionColumns.Probability;

    /// <summary>
    /// Name of the exported graph's predicted label: multiclass, the class index <c>[N]</c> int64 (0 for the first class,
    /// as <c>Score</c>'s slots); binary classification, <c>[N, 1]</c> Booleans. Regression graphs have only <c>Score</c> <c>[N, 1]</c>.
    /// </summary>
    public const string OnnxPredictedLabelOutput = PredictionSchema.PredictedLabelColumn;

    /// <summary>
    /// Writes the prediction of <paramref name="model"/> (one of this library's transformers, or a fitted pipeline holding
    /// exactly one) to <paramref name="filePath"/> as an ONNX model, atomically: the network at its current point, or an
    /// ensemble as the mean of its members' probabilities; BatchNorm with the point's recomputed statistics and input
    /// standardization included. The graph reads one input named after the features column, <c>[N, features]</c> floats,
    /// and writes <see cref="OnnxScoreOutput"/> and <see cref="OnnxPredictedLabelOutput"/>. Transforms of the pipeline
    /// before and after the scorer are not part of the graph (see <see cref="ExportOnnxPipeline"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The model holds none, or several, of this library's transformers, or its features column is named like an output.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public void ExportOnnx(ITransformer model, string filePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        WriteAtomically(filePath, OnnxBytes(FindScorer(model, out _, out _)));
    }

    /// <summary>Writes the ONNX model of <see cref="ExportOnnx(ITransformer, string)"/> to a stream; nothing is written unless the whole graph was built.</summary>
    public void ExportOnnx(ITransformer model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(OnnxBytes(FindScorer(model, out _, out _)));
    }

    /// <summary>
    /// Exports the model to <paramref name="onnxFilePath"/> (<see cref="ExportOnnx(ITransformer, string)"/>) and returns an
    /// ordinary ML.NET model that applies it: the pipeline's own ML.NET transforms before the scorer, ML.NET's
    /// <c>ApplyOnnxModel</c> (ONNX Runtime), the class index mapped back to a key of the label's values, and the transforms
    /// after the scorer. <c>mlContext.Model.Save</c> stores it (the ONNX graph inside), and it predicts in a process that
    /// never loads TorchSharp: it needs only Microsoft.ML, Microsoft.ML.OnnxTransformer and an ONNX Runtime package.
    /// <c>Score</c> holds the class probabilities; ML.NET makes every ONNX output a vector, so <c>PredictedLabel</c> is a
    /// vector of one key (read it as an array of one element).
    /// </summary>
    /// <param name="model">The model, as for <see cref="ExportOnnx(ITransformer, string)"/>.</param>
    /// <param name="inputSchema">The schema of the data the model is applied to (as for <see cref="Save(ITransformer, DataViewSchema, string)"/>).</param>
    /// <param name="onnxFilePath">Where the ONNX model is written.</param>
    /// <exception cref="ArgumentException">As for <see cref="ExportOnnx(ITransformer, string)"/>, or the model does not accept <paramref name="inputSchema"/>.</exception>
    public ITransformer ExportOnnxPipeline(ITransformer model, DataViewSchema inputSchema, string onnxFilePath)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxFilePath);
        var scorer = FindScorer(model, out var before, out var after);
        var schema = inputSchema;
        foreach (var t in before) schema = t.GetOutputSchema(schema);
        scorer.GetOutputSchema(schema); // throws naming the features column when the schema does not fit
        ExportOnnx(scorer, onnxFilePath);

        var outputs = scorer.Output switch
        {
            NetworkOutput.Sigmoid => new[] { OnnxScoreOutput, OnnxProbabilityOutput, OnnxPredictedLabelOutput },
            NetworkOutput.Linear => new[] { OnnxScoreOutput },
            _ => new[] { OnnxScoreOutput, OnnxPredictedLabelOutput },
        };
        var onnx = _context.Transforms.ApplyOnnxModel(
                outputColumnNames: outputs,
                inputColumnNames: new[] { scorer.FeatureColumnName },
                modelFile: Path.GetFullPath(onnxFilePath))
            .Fit(new SchemaOnlyDataView(schema));
        var parts = new List<ITransformer>(before) { onnx };
        schema = onnx.GetOutputSchema(schema);
        foreach (var estimator in scorer.Output == NetworkOutput.Softmax ? LabelMapping(scorer.Labels) : Array.Empty<IEstimator<ITransformer>>())
        {
            var fitted = estimator.Fit(new SchemaOnlyDataView(schema));
            parts.Add(fitted);
            schema = fitted.GetOutputSchema(schema);
        }
        parts.AddRange(after);
        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    /// <summary>The one scorer of <paramref name="model"/> and the transforms before and after it.</summary>
    private static ScorerTransformer FindScorer(ITransformer model, out List<ITransformer> before, out List<ITransformer> after)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = Flatten(model).ToList();
        var scorers = parts.Select((t, i) => (t, i)).Where(p => p.t is ScorerTransformer).ToList();
        if (scorers.Count != 1)
            throw new ArgumentException(
                $"ONNX export needs a model holding exactly one of this library's transformers; this one holds {scorers.Count}. " +
                "Combine several models with mlContext.Subspaces().Ensemble first.", nameof(model));
        int at = scorers[0].i;
        before = parts.Take(at).ToList();
        after = parts.Skip(at + 1).ToList();
        var scorer = (ScorerTransformer)parts[at];
        if (scorer.FeatureColumnName is OnnxScoreOutput or OnnxPredictedLabelOutput or OnnxProbabilityOutput)
            throw new ArgumentException(
                $"The features column is named '{scorer.FeatureColumnName}', like an output of the exported graph; rename it before training.", nameof(model));
        scorer.ThrowIfDisposed();
        return scorer;
    }

    private static byte[] OnnxBytes(ScorerTransformer scorer)
    {
        using var scope = NewDisposeScope(); // the point tensors read while writing
        var graph = new OnnxGraph("subspaces");
        string input = graph.AddInput(scorer.FeatureColumnName, scorer.FeatureSize);
        string predictions = scorer.WriteOnnx(graph, input);
        switch (scorer.Output)
        {
            case NetworkOutput.Softmax:
                graph.NodeNamed("Identity", OnnxScoreOutput, new[] { predictions });
                graph.NodeNamed("ArgMax", OnnxPredictedLabelOutput, new[] { predictions }, ("axis", 1L), ("keepdims", 0L));
                graph.AddOutput(OnnxScoreOutput, TensorProto.Types.DataType.Float, scorer.ClassCount);
                graph.AddOutput(OnnxPredictedLabelOutput, TensorProto.Types.DataType.Int64, null);
                break;
            case NetworkOutput.Sigmoid:
                // The predictions are the (mean) probabilities of the positive and the negative class, p and q; Score is
                // the logit log p - log q with both floored as in the transformer's Score column (ScoreMath.Logit).
                // Multiplying by a one-hot column picks one of them exactly.
                var p = graph.Node("MatMul", "positive", new[] { predictions, graph.Constant("pick_positive", new[] { 1f, 0f }, new long[] { 2, 1 }) });
                var q = graph.Node("MatMul", "negative", new[] { predictions, graph.Constant("pick_negative", new[] { 0f, 1f }, new long[] { 2, 1 }) });
                var floor = graph.Constant("smallest_probability", new[] { ScoreMath.SmallestProbability }, Array.Empty<long>());
                graph.NodeNamed("Sub", OnnxScoreOutput, new[]
                {
                    graph.Node("Log", "log_p", new[] { graph.Node("Max", "floored_p", new[] { p, floor }) }),
                    graph.Node("Log", "log_q", new[] { graph.Node("Max", "floored_q", new[] { q, floor }) }),
                });
                graph.NodeNamed("Identity", OnnxProbabilityOutput, new[] { p });
                graph.NodeNamed("Greater", OnnxPredictedLabelOutput, new[] { p, q });
                graph.AddOutput(OnnxScoreOutput, TensorProto.Types.DataType.Float, 1);
                graph.AddOutput(OnnxProbabilityOutput, TensorProto.Types.DataType.Float, 1);
                graph.AddOutput(OnnxPredictedLabelOutput, TensorProto.Types.DataType.Bool, 1);
                break;
            default:
                graph.NodeNamed("Identity", OnnxScoreOutput, new[] { predictions });
                graph.AddOutput(OnnxScoreOutput, TensorProto.Types.DataType.Float, 1);
                break;
        }
        string version = typeof(SubspaceModelOperations).Assembly.GetName().Version?.ToString() ?? "";
        return graph.ToModel(version, scorer.ToString() ?? "").ToByteArray();
    }

    /// <summary>
    /// Estimators turning the graph's class index into a key of the label's values, class i as key i + 1 (as the scorer's
    /// <c>PredictedLabel</c>): index to value, then value to key over the values in class order.
    /// </summary>
    private IEstimator<ITransformer>[] LabelMapping(Data.LabelKeyValues labels)
    {
        var values = labels.Values;
        return labels.ItemType.RawType switch
        {
            var t when t == typeof(float) => LabelMapping(values, v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(double) => LabelMapping(values, v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(int) => LabelMapping(values, v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(uint) => LabelMapping(values, v => uint.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => LabelMapping(values, v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(bool) => LabelMapping(values, v => v == "true"),
            _ => LabelMapping(values, v => v), // text, and the rarer integer types as their text
        };
    }

    private IEstimator<ITransformer>[] LabelMapping<T>(IReadOnlyList<string> text, Func<string, T> parse)
    {
        var values = text.Select(parse).ToArray();
        var toValue = _context.Transforms.Conversion.MapValue(OnnxPredictedLabelOutput,
            values.Select((v, i) => new KeyValuePair<long, T>(i, v)), OnnxPredictedLabelOutput);
        var keyData = _context.Data.LoadFromEnumerable(values.Select(v => new LabelValue<T> { Value = v }));
        var toKey = _context.Transforms.Conversion.MapValueToKey(OnnxPredictedLabelOutput, OnnxPredictedLabelOutput,
            keyOrdinality: Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData);
        return new IEstimator<ITransformer>[] { toValue, toKey };
    }

    private sealed class LabelValue<T>
    {
        public T Value { get; set; } = default!;
    }

    /// <summary>A data view with a schema and no rows: what fitting a transform that only reads the schema needs.</summary>
    private sealed class SchemaOnlyDataView(DataViewSchema schema) : IDataView
    {
        public DataViewSchema Schema { get; } = schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => 0;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Empty(Schema);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new DataViewRowCursor[] { new Empty(Schema) };

        private sealed class Empty(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema { get; } = schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => false;
            public override ValueGetter<DataViewRowId> GetIdGetter() => throw new InvalidOperationException("The view has no rows.");
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => throw new InvalidOperationException("The view has no rows.");
        }
    }
}
