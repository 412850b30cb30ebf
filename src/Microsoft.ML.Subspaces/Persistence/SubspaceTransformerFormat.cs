using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>How a <see cref="SubspaceTransformer"/> is stored: a JSON description and the weights of every point.</summary>
internal static class SubspaceTransformerFormat
{
    public const string Kind = "subspace";

    internal sealed class State
    {
        public string Shape { get; set; } = "";
        public NetworkSpec Network { get; set; } = new();
        public string FeatureColumnName { get; set; } = "";
        public string LabelType { get; set; } = "";
        public string[] LabelValues { get; set; } = Array.Empty<string>();
        public double[][] Positions { get; set; } = Array.Empty<double[]>();
        public string Prediction { get; set; } = "";
        /// <summary>Rows of the saved BatchNorm sample (0: none; networks without BatchNorm).</summary>
        public int BatchNormSampleRows { get; set; }
        /// <summary>Rows per batch when recomputing BatchNorm statistics.</summary>
        public int BatchNormBatchSize { get; set; } = 128;
    }

    private const string BatchNormSampleEntry = "batchnorm-sample.bin";
    private const string BatchNormSampleName = "batchnorm_sample";

    public static void Write(ModelArchive.Writer writer, string prefix, SubspaceTransformer transformer)
    {
        var sample = transformer.Weights.BatchNormSample;
        writer.AddJson(prefix + "transformer.json", new State
        {
            Shape = transformer.Shape.Name,
            Network = transformer.Network,
            FeatureColumnName = transformer.FeatureColumnName,
            LabelType = transformer.Labels.TypeName,
            LabelValues = transformer.Labels.Values.ToArray(),
            Positions = transformer.Positions.ToArray(),
            Prediction = transformer.Prediction,
            BatchNormSampleRows = sample is null ? 0 : (int)sample.shape[0],
            BatchNormBatchSize = transformer.Weights.BatchNormBatchSize,
        });
        writer.Add(prefix + "weights.bin", TensorFile.Write(transformer.Weights.Network));
        if (sample is not null) writer.Add(prefix + BatchNormSampleEntry, TensorFile.WriteTensor(BatchNormSampleName, sample));
    }

    /// <summary>
    /// Refuses a network description that is out of range, or larger than the weights entry that should hold it, before
    /// anything is allocated for it (a crafted file could otherwise ask for hundreds of gigabytes).
    /// </summary>
    internal static void CheckBeforeAllocating(ModelArchive.Reader reader, NetworkSpec spec, string weightsEntry)
    {
        if (spec.Implausible() is string why) throw reader.Corrupted($"the network description is out of range ({why})", null);
        long needed = spec.MinimumParameterCount() * sizeof(float);
        long stored = reader.DeclaredLength(weightsEntry);
        if (needed > stored)
            throw reader.Corrupted($"the network described needs at least {needed:N0} bytes of weights; entry '{weightsEntry}' holds {stored:N0}", null);
    }

    public static SubspaceTransformer Read(ModelArchive.Reader reader, string prefix)
    {
        var state = reader.ReadJson<State>(prefix + "transformer.json");
        if (state.Network is null || state.Shape is null || state.Positions is null || state.Positions.Any(p => p is null)
            || state.LabelValues is null || state.FeatureColumnName is null || state.Prediction is null)
            throw reader.Corrupted("the subspace description has missing fields", null);
        if (string.IsNullOrWhiteSpace(state.FeatureColumnName)) throw reader.Corrupted("the features column name is empty", null);
        CheckBeforeAllocating(reader, state.Network, prefix + "weights.bin");
        SubspaceShape shape;
        try { shape = SubspaceShape.FromName(state.Shape); }
        catch (InvalidDataException e) { throw reader.Corrupted(e.Message.TrimEnd('.'), e); }
        if (state.Network.PointCount != shape.PointCount || state.LabelValues.Length != state.Network.ClassCount || state.Positions.Length == 0)
            throw reader.Corrupted("the subspace description is inconsistent", null);
        if (state.BatchNormSampleRows < 0 || state.BatchNormBatchSize < 1)
            throw reader.Corrupted("the BatchNorm sample description is inconsistent", null);
        SubspaceNetwork network;
        try { network = NetworkFactory.Create(state.Network); }
        catch (ArgumentException e) { throw reader.Corrupted($"the network description is invalid ({e.Message})", e); }
        Tensor? sample = null;
        try
        {
            TensorFile.Read(reader.Read(prefix + "weights.bin"), network);
            network.eval();
            foreach (var p in state.Positions) shape.Validate(p);
            if (state.BatchNormSampleRows > 0)
            {
                sample = TensorFile.ReadTensor(reader.Read(prefix + BatchNormSampleEntry), BatchNormSampleName).DetachFromDisposeScope();
                if (sample.dim() != 2 || sample.shape[0] != state.BatchNormSampleRows || sample.shape[1] != state.Network.InputSize)
                    throw new InvalidDataException($"the BatchNorm sample has shape [{string.Join(", ", sample.shape)}]; expected [{state.BatchNormSampleRows}, {state.Network.InputSize}]");
            }
            return new SubspaceTransformer(new SharedNetwork(network, sample, state.BatchNormBatchSize), shape, state.FeatureColumnName,
                LabelKeyValues.FromSaved(state.LabelType, state.LabelValues), state.Positions, state.Prediction, Array.Empty<EpochSummary>());
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
        {
            network.Dispose();
            sample?.Dispose();
            throw reader.Corrupted(e.Message, e);
        }
        catch (ArgumentOutOfRangeException e)
        {
            network.Dispose();
            sample?.Dispose();
            throw reader.Corrupted("a saved prediction point is not on the shape", e);
        }
        catch
        {
            network.Dispose();
            sample?.Dispose();
            throw;
        }
    }
}
