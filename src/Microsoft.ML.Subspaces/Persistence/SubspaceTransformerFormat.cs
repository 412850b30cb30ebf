using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Training;
using Microsoft.ML.Subspaces.Transformers;

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
    }

    public static void Write(ModelArchive.Writer writer, string prefix, SubspaceTransformer transformer)
    {
        writer.AddJson(prefix + "transformer.json", new State
        {
            Shape = transformer.Shape.Name,
            Network = transformer.Network,
            FeatureColumnName = transformer.FeatureColumnName,
            LabelType = transformer.Labels.TypeName,
            LabelValues = transformer.Labels.Values.ToArray(),
            Positions = transformer.Positions.ToArray(),
            Prediction = transformer.Prediction,
        });
        writer.Add(prefix + "weights.bin", TensorFile.Write(transformer.Weights.Network));
    }

    public static SubspaceTransformer Read(ModelArchive.Reader reader, string prefix)
    {
        var state = reader.ReadJson<State>(prefix + "transformer.json");
        SubspaceShape shape;
        try { shape = SubspaceShape.FromName(state.Shape); }
        catch (InvalidDataException e) { throw reader.Corrupted(e.Message.TrimEnd('.'), e); }
        if (state.Network.PointCount != shape.PointCount || state.LabelValues.Length != state.Network.ClassCount || state.Positions.Length == 0)
            throw reader.Corrupted("the subspace description is inconsistent", null);
        var network = NetworkFactory.Create(state.Network);
        try
        {
            TensorFile.Read(reader.Read(prefix + "weights.bin"), network);
            network.eval();
            foreach (var p in state.Positions) shape.Validate(p);
            return new SubspaceTransformer(new SharedNetwork(network), shape, state.FeatureColumnName,
                LabelKeyValues.FromSaved(state.LabelType, state.LabelValues), state.Positions, state.Prediction, Array.Empty<EpochSummary>());
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
        {
            network.Dispose();
            throw reader.Corrupted(e.Message, e);
        }
        catch (ArgumentOutOfRangeException e)
        {
            network.Dispose();
            throw reader.Corrupted("a saved prediction point is not on the shape", e);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
