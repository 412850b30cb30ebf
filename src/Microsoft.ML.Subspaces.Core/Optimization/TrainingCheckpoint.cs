using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// Everything a training run needs to continue exactly where it stopped, after an epoch: the network's parameters and
/// buffers (every point), the optimizer's state and step count, the CPU generator's state (shuffling, dropout,
/// augmentation), how many points and pairs the sampler has drawn (replayed from the seed), the pair sums the last step
/// left, the history, early stopping's best epoch, and a fingerprint of the run it belongs to. Written to a temporary
/// file and moved over <c>checkpoint.bin</c> in the directory, so that a kill leaves the previous checkpoint whole.
/// </summary>
internal sealed class TrainingCheckpoint
{
    public const string FileName = "checkpoint.bin";
    private const uint Magic = 0x4B435353; // "SSCK"
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Describes the run (shape, architecture, data size, seed, budget, optimizer): a checkpoint of another run is refused.</summary>
    public required string Fingerprint { get; init; }
    public required int Epoch { get; init; }
    /// <summary>The run had ended (its last epoch, or early stopping) when this was written.</summary>
    public required bool Finished { get; init; }
    public required long Step { get; init; }
    public required long OptimizerSteps { get; init; }
    public required long SamplerDraws { get; init; }
    public required double[]? PairSums { get; init; }
    public required (int A, int B)? SumsPair { get; init; }
    public required EpochSummary[] History { get; init; }
    public required int BestEpoch { get; init; }
    /// <summary>Early stopping's best temperature-scaled validation loss (positive infinity before any).</summary>
    public required double BestLoss { get; init; }
    /// <summary>Early stopping's learning-rate drops so far, and the epoch of the last (0: none).</summary>
    public int LearningRateDrops { get; init; }
    public int LastDropEpoch { get; init; }

    /// <summary>The checkpoint file of <paramref name="directory"/>.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Writes the checkpoint and the tensors (network, optimizer, generator, best copy) atomically.</summary>
    public void Save(string directory, IReadOnlyList<Tensor> tensors)
    {
        Directory.CreateDirectory(directory);
        string target = PathIn(directory);
        string temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var w = new BinaryWriter(stream, Encoding.UTF8))
            {
                w.Write(Magic);
                w.Write(JsonSerializer.Serialize(new Header(this), Json));
                w.Write(tensors.Count);
                foreach (var t in tensors) WriteTensor(w, t);
                w.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Reads the checkpoint of <paramref name="directory"/>, or returns null when there is none; copies its tensors into
    /// those <paramref name="tensorsFor"/> gives for it (they must have the saved shapes and types).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this run, or is damaged.</exception>
    public static TrainingCheckpoint? Load(string directory, string fingerprint, Func<TrainingCheckpoint, IReadOnlyList<Tensor>> tensorsFor)
    {
        string path = PathIn(directory);
        if (!File.Exists(path)) return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("it is not a training checkpoint");
            var header = JsonSerializer.Deserialize<Header>(r.ReadString(), Json) ?? throw new InvalidDataException("its header is empty");
            if (header.Fingerprint != fingerprint)
                throw new InvalidDataException($"it belongs to another fit ({header.Fingerprint}); this one is {fingerprint}. Use another CheckpointDirectory or delete the file");
            var checkpoint = header.ToCheckpoint();
            var tensors = tensorsFor(checkpoint);
            int count = r.ReadInt32();
            if (count != tensors.Count) throw new InvalidDataException($"it holds {count} tensors; this fit has {tensors.Count}");
            using var _ = no_grad();
            foreach (var t in tensors) ReadTensor(r, t);
            return checkpoint;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or JsonException or FormatException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' cannot be read: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Checkpoint", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Checkpoint '{path}' cannot be used: {e.Message}.", e);
        }
    }

    private static void WriteTensor(BinaryWriter w, Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        w.Write((int)cpu.dtype);
        w.Write(cpu.shape.Length);
        foreach (var d in cpu.shape) w.Write(d);
        w.Write(cpu.bytes);
    }

    private static void ReadTensor(BinaryReader r, Tensor target)
    {
        var dtype = (ScalarType)r.ReadInt32();
        var shape = new long[r.ReadInt32()];
        for (int i = 0; i < shape.Length; i++) shape[i] = r.ReadInt64();
        if (dtype != target.dtype || !shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"a tensor is {dtype} [{string.Join(", ", shape)}]; this fit's is {target.dtype} [{string.Join(", ", target.shape)}]");
        long bytes = target.numel() * target.ElementSize;
        var data = r.ReadBytes(checked((int)bytes));
        if (data.Length != bytes) throw new EndOfStreamException("the file ends inside a tensor");
        using var source = dtype switch
        {
            ScalarType.Float32 => tensor(MemoryMarshalFloats(data), shape),
            ScalarType.Byte => tensor(data, shape),
            ScalarType.Int64 => tensor(MemoryMarshalLongs(data), shape),
            _ => throw new InvalidDataException($"a tensor has an unsupported type {dtype}"),
        };
        target.copy_(source);
    }

    private static float[] MemoryMarshalFloats(byte[] data)
    {
        var values = new float[data.Length / sizeof(float)];
        Buffer.BlockCopy(data, 0, values, 0, data.Length);
        return values;
    }

    private static long[] MemoryMarshalLongs(byte[] data)
    {
        var values = new long[data.Length / sizeof(long)];
        Buffer.BlockCopy(data, 0, values, 0, data.Length);
        return values;
    }

    /// <summary>The JSON header (tuples and records as plain fields).</summary>
    private sealed class Header
    {
        public Header() { }

        public Header(TrainingCheckpoint c)
        {
            Fingerprint = c.Fingerprint;
            Epoch = c.Epoch;
            Finished = c.Finished;
            Step = c.Step;
            OptimizerSteps = c.OptimizerSteps;
            SamplerDraws = c.SamplerDraws;
            PairSums = c.PairSums;
            SumsPair = c.SumsPair is { } p ? new[] { p.A, p.B } : null;
            History = c.History.Select(h => new[] { h.Epoch, h.Loss, h.LearningRate, h.Seconds, h.ValidationAccuracy ?? double.NaN, h.ValidationLoss ?? double.NaN, h.ValidationTemperatureScaledLoss ?? double.NaN }).ToArray();
            BestEpoch = c.BestEpoch;
            BestLoss = double.IsFinite(c.BestLoss) ? c.BestLoss : null;
            LearningRateDrops = c.LearningRateDrops;
            LastDropEpoch = c.LastDropEpoch;
        }

        public string Fingerprint { get; set; } = "";
        public int Epoch { get; set; }
        public bool Finished { get; set; }
        public long Step { get; set; }
        public long OptimizerSteps { get; set; }
        public long SamplerDraws { get; set; }
        public double[]? PairSums { get; set; }
        public int[]? SumsPair { get; set; }
        public double[][] History { get; set; } = Array.Empty<double[]>();
        public int BestEpoch { get; set; }
        public double? BestLoss { get; set; }
        public int LearningRateDrops { get; set; }
        public int LastDropEpoch { get; set; }

        public TrainingCheckpoint ToCheckpoint() => new()
        {
            Fingerprint = Fingerprint,
            Epoch = Epoch,
            Finished = Finished,
            Step = Step,
            OptimizerSteps = OptimizerSteps,
            SamplerDraws = SamplerDraws,
            PairSums = PairSums,
            SumsPair = SumsPair is { Length: 2 } p ? (p[0], p[1]) : null,
            History = History.Select(h => new EpochSummary((int)h[0], h[1], h[2], h[3], Optional(h, 4), Optional(h, 5), Optional(h, 6))).ToArray(),
            BestEpoch = BestEpoch,
            BestLoss = BestLoss ?? double.PositiveInfinity,
            LearningRateDrops = LearningRateDrops,
            LastDropEpoch = LastDropEpoch,
        };

        /// <summary>Value <paramref name="i"/> of a history row; NaN and absent (a row written before the column existed) are null.</summary>
        private static double? Optional(double[] row, int i) => i < row.Length && !double.IsNaN(row[i]) ? row[i] : null;
    }
}
