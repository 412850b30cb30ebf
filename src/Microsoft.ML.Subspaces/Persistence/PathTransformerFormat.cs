using System.Text;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// How a <see cref="PathTransformer"/> is stored: a JSON description (method, architecture, transitions, which
/// tensors make up each network of the path) and the path's float64 tensors, each once. The least-squares targets
/// of weight adjustment are recomputed from the stored networks and training sample when loading.
/// </summary>
internal static class PathTransformerFormat
{
    public const string Kind = "connection";
    private const uint Magic = 0x50545353; // "SSTP"

    internal sealed class State
    {
        public string ConnectionKind { get; set; } = "";
        public bool OptimalTransport { get; set; }
        public bool WeightAdjustment { get; set; }
        /// <summary>Absent from files written before the simultaneous construction, which were all layer by layer.</summary>
        public bool LayerByLayer { get; set; } = true;
        public bool WeightMatching { get; set; }
        public bool Repair { get; set; }
        /// <summary>The t at which each transition ends; null: t split evenly.</summary>
        public double[]? TransitionEnds { get; set; }
        public NetworkSpec Network { get; set; } = new();
        public string FeatureColumnName { get; set; } = "";
        public string LabelType { get; set; } = "";
        public string[] LabelValues { get; set; } = Array.Empty<string>();
        public double Position { get; set; }
        /// <summary>Networks as indices into the tensor list: weight and bias of each layer, interleaved. 0: A, 1: B, 2..: Theta_1..Theta_T.</summary>
        public int[][] Networks { get; set; } = Array.Empty<int[]>();
        public TransitionState[] Transitions { get; set; } = Array.Empty<TransitionState>();
        /// <summary>Index of the training sample in the tensor list, or -1.</summary>
        public int Sample { get; set; } = -1;
    }

    internal sealed class TransitionState
    {
        public string Mode { get; set; } = "";
        public int Hidden { get; set; }
        public bool MovesOutgoing { get; set; }
        /// <summary>The matched order a realignment undoes.</summary>
        public int[]? Permutation { get; set; }
    }

    public static void Write(ModelArchive.Writer writer, string prefix, PathTransformer transformer)
    {
        var path = transformer.Path;
        var tensors = new List<Tensor>();
        var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        int Add(Tensor t)
        {
            if (!index.TryGetValue(t, out int i)) { i = tensors.Count; tensors.Add(t); index[t] = i; }
            return i;
        }
        int[] Network(MlpWeights w) => Enumerable.Range(0, w.LayerCount).SelectMany(l => new[] { Add(w.Weights[l]), Add(w.Biases[l]) }).ToArray();

        var networks = new List<int[]> { Network(path.A), Network(path.B) };
        networks.AddRange(path.Transitions.Select(t => Network(t.End)));
        var state = new State
        {
            ConnectionKind = path.Method.Kind.ToString(),
            OptimalTransport = path.Method.OptimalTransport,
            WeightAdjustment = path.Method.WeightAdjustment,
            LayerByLayer = path.Method.LayerByLayer,
            WeightMatching = path.Method.WeightMatching,
            Repair = path.Method.Repair,
            TransitionEnds = path.TransitionEnds?.ToArray(),
            Network = path.Spec,
            FeatureColumnName = transformer.FeatureColumnName,
            LabelType = transformer.Labels.TypeName,
            LabelValues = transformer.Labels.Values.ToArray(),
            Position = transformer.Position,
            Networks = networks.ToArray(),
            Transitions = path.Transitions.Select(t => new TransitionState
            {
                Mode = t.Mode.ToString(),
                Hidden = t.Hidden,
                MovesOutgoing = t is NeuronTransition { MovesOutgoing: true },
                Permutation = (t as RealignmentTransition)?.Permutation.ToArray(),
            }).ToArray(),
            Sample = path.Sample is null ? -1 : Add(path.Sample),
        };
        writer.AddJson(prefix + "connection.json", state);
        writer.Add(prefix + "tensors.bin", WriteTensors(tensors));
    }

    public static PathTransformer Read(ModelArchive.Reader reader, string prefix)
    {
        var state = reader.ReadJson<State>(prefix + "connection.json");
        if (state.Network is null || state.Networks is null || state.Networks.Any(n => n is null) || state.Transitions is null || state.Transitions.Any(t => t is null)
            || state.LabelValues is null || string.IsNullOrWhiteSpace(state.FeatureColumnName) || state.ConnectionKind is null)
            throw reader.Corrupted("the connection description has missing fields", null);
        if (state.Network.Implausible() is string why) throw reader.Corrupted($"the network description is out of range ({why})", null);
        var tensors = ReadTensors(reader, reader.Read(prefix + "tensors.bin"));
        try
        {
            return Build(reader, state, tensors);
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }
    }

    private static PathTransformer Build(ModelArchive.Reader reader, State state, List<Tensor> tensors)
    {
        if (!Enum.TryParse<ConnectionKind>(state.ConnectionKind, out var kind) || !Enum.IsDefined(kind))
            throw reader.Corrupted($"the connection kind '{state.ConnectionKind}' is unknown", null);
        var spec = state.Network.WithPointCount(1);
        if (spec.Kind != NetworkArchitecture.Mlp || spec.HiddenSizes.Length == 0 || state.LabelValues.Length != spec.ClassCount || !(state.Position >= 0 && state.Position <= 1)
            || state.Networks.Length != state.Transitions.Length + 2 || state.Transitions.Length == 0)
            throw reader.Corrupted("the connection description is inconsistent", null);
        var widths = new[] { spec.InputSize }.Concat(spec.HiddenSizes).Append(spec.ClassCount).ToArray();
        Tensor Get(int i) => i >= 0 && i < tensors.Count ? tensors[i] : throw reader.Corrupted($"tensor index {i} is out of range", null);
        MlpWeights Network(int[] indices)
        {
            if (indices.Length != 2 * (widths.Length - 1)) throw reader.Corrupted("a network of the path has the wrong number of layers", null);
            var w = new List<Tensor>();
            var b = new List<Tensor>();
            for (int l = 0; l + 1 < widths.Length; l++)
            {
                var weight = Get(indices[2 * l]);
                var bias = Get(indices[2 * l + 1]);
                if (!weight.shape.SequenceEqual(new long[] { widths[l + 1], widths[l] }) || !bias.shape.SequenceEqual(new long[] { widths[l + 1] }))
                    throw reader.Corrupted($"layer {l} of a network of the path does not match {spec.Describe()}", null);
                w.Add(weight);
                b.Add(bias);
            }
            return new MlpWeights(w, b);
        }

        var networks = state.Networks.Select(Network).ToArray();
        Tensor? sample = state.Sample < 0 ? null : Get(state.Sample);
        if (sample is not null && (sample.dim() != 2 || sample.shape[1] != spec.InputSize)) throw reader.Corrupted("the training sample has the wrong shape", null);
        var a = networks[0];
        // Weight adjustment reads B as aligned by optimal transport: the end of the first stage, before any realignment.
        int firstStage = Array.FindIndex(state.Transitions, t => t.Mode == nameof(TransitionMode.Realignment));
        var aligned = firstStage < 0 ? networks[^1] : firstStage > 0 ? networks[firstStage + 1] : throw reader.Corrupted("the connection starts with a realignment", null);
        var transitions = new List<Transition>();
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            for (int i = 0; i < state.Transitions.Length; i++)
            {
                var t = state.Transitions[i];
                var start = i == 0 ? a : networks[i + 1];
                var end = networks[i + 2];
                if (!Enum.TryParse<TransitionMode>(t.Mode, out var mode) || t.Hidden < 0 || t.Hidden >= widths.Length - 1)
                    throw reader.Corrupted($"transition {i} is invalid", null);
                Transition transition = mode switch
                {
                    TransitionMode.Neurons when t.Hidden < spec.HiddenSizes.Length => new NeuronTransition(t.Hidden, kind, start, end, t.MovesOutgoing),
                    TransitionMode.OutputLayer when t.Hidden == spec.HiddenSizes.Length => new OutputTransition(kind, start, end),
                    TransitionMode.Simultaneous when !state.Repair || sample is not null => new SimultaneousTransition(kind, start, end, state.Repair ? sample : null),
                    TransitionMode.Realignment when t.Hidden < spec.HiddenSizes.Length && t.Permutation is { } p && p.Length == spec.HiddenSizes[t.Hidden] =>
                        Realignment(reader, i, t.Hidden, kind, start, p, end),
                    TransitionMode.WeightAdjusted when t.Hidden < spec.HiddenSizes.Length && sample is not null =>
                        new WeightAdjustedTransition(t.Hidden, kind, start, end, aligned.Hidden(sample, t.Hidden - 1),
                            a.PreActivation(a.Hidden(sample, t.Hidden), t.Hidden + 1), end),
                    _ => throw reader.Corrupted($"transition {i} ({t.Mode} of layer {t.Hidden}) does not fit the network", null),
                };
                transitions.Add(transition);
            }
        }
        var method = new ConnectionMethod(kind, state.OptimalTransport, state.WeightAdjustment, state.LayerByLayer || state.WeightAdjustment,
            state.WeightMatching, state.Repair);
        ConnectionPath path;
        try
        {
            path = new ConnectionPath(spec, method, a, networks[1], transitions, sample, state.TransitionEnds);
        }
        catch (ArgumentException e)
        {
            throw reader.Corrupted("the connection's transition ends are invalid", e);
        }
        foreach (var t in path.OwnedTensors) t.DetachFromDisposeScope();
        var labels = LabelKeyValues.FromSaved(state.LabelType, state.LabelValues);
        return new PathTransformer(new SharedPath(path, CPU), state.Position, state.FeatureColumnName, labels);
    }

    private static RealignmentTransition Realignment(ModelArchive.Reader reader, int i, int hidden, ConnectionKind kind, MlpWeights start, int[] permutation, MlpWeights end)
    {
        try
        {
            return new RealignmentTransition(hidden, kind, start, permutation, end);
        }
        catch (ArgumentException e)
        {
            throw reader.Corrupted($"transition {i} (realignment of layer {hidden}) has no valid permutation", e);
        }
    }

    private static byte[] WriteTensors(IReadOnlyList<Tensor> tensors)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(tensors.Count);
            foreach (var t in tensors)
            {
                w.Write((int)t.dim());
                foreach (var d in t.shape) w.Write(d);
                double[] values;
                using (NewDisposeScope()) values = t.to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
                var bytes = new byte[values.Length * sizeof(double)];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                w.Write(bytes);
            }
        }
        return stream.ToArray();
    }

    private static List<Tensor> ReadTensors(ModelArchive.Reader reader, byte[] content)
    {
        var tensors = new List<Tensor>();
        try
        {
            using var r = new BinaryReader(new MemoryStream(content), Encoding.UTF8);
            if (r.ReadUInt32() != Magic) throw reader.Corrupted("the connection's tensors entry has a wrong header", null);
            int count = r.ReadInt32();
            if (count < 0) throw reader.Corrupted("the connection's tensors entry is invalid", null);
            for (int i = 0; i < count; i++)
            {
                int rank = r.ReadInt32();
                if (rank < 1 || rank > 2) throw reader.Corrupted($"tensor {i} of the connection has rank {rank}", null);
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
                long n = shape.Aggregate(1L, (x, y) => checked(x * y));
                var bytes = r.ReadBytes(checked((int)(n * sizeof(double))));
                if (bytes.Length != n * sizeof(double)) throw reader.Corrupted($"tensor {i} of the connection is truncated", null);
                var values = new double[n];
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                tensors.Add(tensor(values, shape));
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw reader.Corrupted("the connection's tensors entry has trailing bytes", null);
            return tensors;
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException)
        {
            foreach (var t in tensors) t.Dispose();
            throw reader.Corrupted("the connection's tensors entry is truncated", e);
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }
    }
}
