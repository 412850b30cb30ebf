using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// How a <see cref="NeuronFlowConnector"/> is stored: the model archive (manifest with checksums) holding one part, a JSON
/// description (method, fit summary, the networks it applies to, the flow's size) and the flow's parameters and buffers.
/// </summary>
internal static class NeuronFlowConnectorFormat
{
    public const string Kind = "neuron-flow-connector";
    private const string Prefix = "connector/";
    private const string DescriptionEntry = Prefix + "connector.json";
    private const string WeightsEntry = Prefix + "flow.bin";

    internal sealed class State
    {
        public string Method { get; set; } = "";
        public int ModelCount { get; set; }
        public double TrainingSeconds { get; set; }
        public double FinalLoss { get; set; }
        public int? KeptEpoch { get; set; }
        public NetworkSpec Network { get; set; } = new();
        public long Dimension { get; set; }
        public int Couplings { get; set; }
        public int HiddenSize { get; set; }
    }

    public static byte[] Write(NeuronFlowConnector connector)
    {
        var flow = connector.Flow;
        using var buffer = new MemoryStream();
        using (var writer = new ModelArchive.Writer(buffer))
        {
            writer.AddJson(DescriptionEntry, new State
            {
                Method = connector.Method,
                ModelCount = connector.ModelCount,
                TrainingSeconds = connector.TrainingTime.TotalSeconds,
                FinalLoss = connector.FinalLoss,
                KeptEpoch = connector.KeptEpoch,
                Network = connector.Spec,
                Dimension = flow.Dimension,
                Couplings = flow.CouplingCount,
                HiddenSize = flow.HiddenSize,
            });
            writer.Add(WeightsEntry, TensorFile.Write(flow));
            writer.Manifest.Parts.Add(new ModelArchive.PartInfo { Kind = Kind, Prefix = Prefix });
            writer.Finish();
        }
        return buffer.ToArray();
    }

    public static NeuronFlowConnector Read(Stream stream, string source)
    {
        using var reader = new ModelArchive.Reader(stream, source, pipeline: false);
        if (reader.Manifest.Parts.Count != 1 || reader.Manifest.Parts[0].Kind != Kind)
            throw reader.Corrupted("its manifest does not list one flow connector", null);
        var state = reader.ReadJson<State>(DescriptionEntry);
        if (state.Network is null || state.Method is not ("Flow" or "Bijection"))
            throw reader.Corrupted("the connector description has missing fields", null);
        if (state.Network.Implausible() is string why) throw reader.Corrupted($"the network description is out of range ({why})", null);
        // A neuron vector is [incoming weights | bias | outgoing weights] of a one-hidden-layer network.
        if (state.Network.HiddenSizes is not { Length: 1 } || state.Dimension != state.Network.InputSize + 1 + state.Network.ClassCount)
            throw reader.Corrupted("the flow's dimension does not fit the networks it applies to", null);
        if (state.Couplings is < 1 or > 64 || state.HiddenSize is < 1 or > 1 << 16 || state.ModelCount < 2)
            throw reader.Corrupted("the flow description is out of range", null);
        long parameters = state.Couplings * ((state.Dimension + 1) * state.HiddenSize + (state.HiddenSize + 1L) * state.HiddenSize + (state.HiddenSize + 1L) * 2 * state.Dimension);
        if (parameters * sizeof(float) > reader.DeclaredLength(WeightsEntry))
            throw reader.Corrupted($"the flow described needs at least {parameters * sizeof(float):N0} bytes of weights; entry '{WeightsEntry}' holds {reader.DeclaredLength(WeightsEntry):N0}", null);
        NeuronFlow? flow = null;
        try
        {
            using (var shape = zeros(2, state.Dimension)) // the standardization and masks it fixes are replaced by the saved ones
                flow = new NeuronFlow(shape, state.Couplings, state.HiddenSize, seed: 0);
            TensorFile.Read(reader.Read(WeightsEntry), flow);
            flow.eval();
            // Rounded to the nearest tick: seconds * 1e7 can land just below the saved tick count, which truncation loses.
            var trainingTime = TimeSpan.FromTicks((long)Math.Round(state.TrainingSeconds * TimeSpan.TicksPerSecond));
            return new NeuronFlowConnector(flow, state.Method, state.Network, state.ModelCount, trainingTime, state.FinalLoss, state.KeptEpoch);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
        {
            flow?.Dispose();
            throw reader.Corrupted(e.Message, e);
        }
        catch
        {
            flow?.Dispose();
            throw;
        }
    }
}
