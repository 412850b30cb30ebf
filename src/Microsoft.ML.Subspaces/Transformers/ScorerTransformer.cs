using Microsoft.ML.Data;
using System.Reflection;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Export;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Base of this library's fitted models: reads a known-size float vector features column and adds
/// <c>PredictedLabel</c> and <c>Score</c> (class probabilities) with the annotations
/// <c>MulticlassClassification.Evaluate</c> needs. Transforms lazily in batched forward passes and works in
/// <c>PredictionEngine</c>. Immutable; save with <c>mlContext.Subspaces().Model.Save</c>.
/// </summary>
public abstract class ScorerTransformer : ITransformer, IDisposable
{
    private int _disposed;
    private readonly Holds _holds;

    private protected ScorerTransformer(string featureColumnName, int featureSize, LabelKeyValues labels, NetworkOutput output)
    {
        Output = output;
        // This transformer's own hold, dropped by Dispose, plus one per prediction in flight: native resources are
        // released by whichever ends last, so disposing while other threads predict never frees memory in use.
        _holds = new Holds(ReleaseResources);
        FeatureColumnName = featureColumnName;
        FeatureSize = featureSize;
        Labels = labels;
    }

    /// <summary>Name of the features column read at prediction time.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Length of the features vector.</summary>
    public int FeatureSize { get; }

    /// <summary>Number of classes (length of <c>Score</c>); 1 for binary classification and regression.</summary>
    public int ClassCount => Labels.Count;

    /// <summary>The task: multiclass (softmax), binary classification (sigmoid) or regression (linear).</summary>
    public NetworkOutput Output { get; }

    /// <summary>The label's key values, class 0 first (multiclass; a single ordinal value for the other tasks).</summary>
    public LabelKeyValues Labels { get; }

    /// <summary>Always true: scoring is row to row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// Values in a row of predictions: <see cref="ClassCount"/>, and 2 for binary classification (the positive and the
    /// negative class's probabilities; see <c>NetworkPredictions.Of</c>).
    /// </summary>
    internal int PredictionWidth => Output == NetworkOutput.Sigmoid ? 2 : ClassCount;

    /// <summary>
    /// Predictions (<c>rows x PredictionWidth</c>, row-major) for <paramref name="rows"/> rows of features. Safe to call
    /// from any thread while others dispose this transformer: it either completes or throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal float[] PredictProbabilities(ReadOnlySpan<float> features, int rows)
    {
        if (Volatile.Read(ref _disposed) != 0 || !_holds.TryTake()) ThrowDisposed();
        try { return Score(features, rows); }
        finally { _holds.Drop(); }
    }

    /// <summary>
    /// Adds to <paramref name="graph"/> the operations this transformer predicts with, applied to <paramref name="input"/>
    /// (<c>[N, FeatureSize]</c>), and returns the name of the predictions <c>[N, PredictionWidth]</c>. Runs under a hold.
    /// </summary>
    internal string WriteOnnx(OnnxGraph graph, string input)
    {
        if (Volatile.Read(ref _disposed) != 0 || !_holds.TryTake()) ThrowDisposed();
        try { return WriteOnnxCore(graph, input); }
        finally { _holds.Drop(); }
    }

    /// <summary>The graph of <see cref="WriteOnnx"/>.</summary>
    private protected abstract string WriteOnnxCore(OnnxGraph graph, string input);

    /// <summary>The probabilities of <see cref="PredictProbabilities(ReadOnlySpan{float}, int)"/>; runs under a hold.</summary>
    private protected abstract float[] Score(ReadOnlySpan<float> features, int rows);

    /// <summary>
    /// Class probabilities for a batch of rows (row-major features), <c>ClassCount</c> per row: for binary classification
    /// the positive class's probability, for regression the predicted value. For callers outside ML.NET pipelines.
    /// </summary>
    public float[] PredictProbabilities(float[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length == 0 || features.Length % FeatureSize != 0)
            throw new ArgumentException($"Expected a multiple of {FeatureSize} feature values; got {features.Length}.", nameof(features));
        var predictions = PredictProbabilities(features, features.Length / FeatureSize); // refuses a disposed model
        if (PredictionWidth == ClassCount) return predictions;
        return Enumerable.Range(0, predictions.Length / PredictionWidth).Select(i => predictions[i * PredictionWidth]).ToArray();
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // A vector of unknown size (a float[] property without [VectorType] in a PredictionEngine's input class) is
        // accepted here: every row's length is checked when it is scored, with an error naming both lengths.
        if (inputSchema.GetColumnOrNull(FeatureColumnName) is { Type: VectorDataViewType { IsKnownSize: false } vector } && vector.ItemType == NumberDataViewType.Single)
            return PredictionSchema.Build(inputSchema, Labels, Output);
        int size = FeatureColumns.CheckFeatures(inputSchema, FeatureColumnName, out var features);
        CheckFeatureColumn(features);
        if (size != FeatureSize)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), size,
                $"Features column '{FeatureColumnName}' has {size} values; the model was trained on {FeatureSize}.");
        return PredictionSchema.Build(inputSchema, Labels, Output);
    }

    /// <summary>Further checks of the features column (image dimensions, ...); throws naming the column.</summary>
    private protected virtual void CheckFeatureColumn(DataViewSchema.Column features)
    {
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new ScoredDataView(this, input);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new ScoringRowMapper(this, inputSchema);
    }

    /// <summary>
    /// ML.NET 5 keeps the writers of <see cref="ModelSaveContext"/> internal, so <c>mlContext.Model.Save</c>
    /// cannot store this model's weights. Throws <see cref="NotSupportedException"/> naming the method to use,
    /// and removes the partly written file when ML.NET was writing to one.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        string? removed = PartialFileCleanup.TryRemoveTargetFile(ctx);
        throw new NotSupportedException(
            $"mlContext.Model.Save cannot store a {GetType().Name}: ML.NET 5 gives outside assemblies no way to write model state. " +
            "Use mlContext.Subspaces().Model.Save(model, inputSchema, path) and mlContext.Subspaces().Model.Load(path, out inputSchema) instead." +
            (removed is null ? "" : $" The partly written file '{removed}' was removed."));
    }

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0) ThrowDisposed();
    }

    private void ThrowDisposed() => throw new ObjectDisposedException(GetType().Name,
        "This model was disposed (a PredictionEngine disposes its model unless created with OwnsTransformer = false).");

    /// <summary>Releases this transformer's hold on the native weights (shared with transformers derived from it).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _holds.Drop(); // releases now, or when the last prediction in flight ends
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases native resources once, when the last hold is dropped.</summary>
    private protected abstract void ReleaseResources();

    /// <summary>
    /// A transformer that predicts exactly as this one and holds its own reference to the same weights, so that
    /// either can be disposed without affecting the other (members of an ensemble); null when not supported.
    /// </summary>
    internal virtual ScorerTransformer? ShareWeights() => null;

    /// <summary>Best-effort removal of the file ML.NET's Model.Save(path) was writing when saving failed.</summary>
    private static class PartialFileCleanup
    {
        public static string? TryRemoveTargetFile(ModelSaveContext ctx)
        {
            try
            {
                var stream = FindFileStream(ctx, depth: 0);
                if (stream is null || !File.Exists(stream.Name)) return null;
                string name = stream.Name;
                stream.SetLength(0);
                File.Delete(name); // allowed on an open file on Unix; elsewhere the empty file remains
                return File.Exists(name) ? null : name;
            }
            catch (Exception)
            {
                return null;
            }
        }

        private static FileStream? FindFileStream(object? obj, int depth)
        {
            if (obj is null || depth > 4) return null;
            if (obj is FileStream fs) return fs;
            foreach (var field in obj.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
            {
                var type = field.FieldType;
                if (type.IsValueType || type == typeof(string)) continue;
                if (!(typeof(Stream).IsAssignableFrom(type) || type.Namespace?.StartsWith("Microsoft.ML", StringComparison.Ordinal) == true
                      || type.Namespace?.StartsWith("System.IO", StringComparison.Ordinal) == true)) continue;
                var found = FindFileStream(field.GetValue(obj), depth + 1);
                if (found is not null) return found;
            }
            return null;
        }
    }
}
