using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// Parameters and buffers of a module as a small binary file: magic, count, then for each tensor its name,
/// shape and little-endian float32 values. Loading checks every name and shape against the rebuilt module.
/// </summary>
internal static class TensorFile
{
    private const uint Magic = 0x54575353; // "SSWT"

    public static byte[] Write(nn.Module module)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            var state = module.state_dict();
            w.Write(Magic);
            w.Write(state.Count);
            foreach (var (name, tensor) in state)
            {
                if (tensor.dtype != ScalarType.Float32) throw new NotSupportedException($"Tensor '{name}' is {tensor.dtype}; only float32 is saved.");
                w.Write(name);
                w.Write(checked((int)tensor.dim())); // the reader reads an Int32 rank
                foreach (var d in tensor.shape) w.Write(d);
                var values = tensor.detach().cpu().contiguous().data<float>().ToArray();
                var bytes = new byte[values.Length * sizeof(float)];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                w.Write(bytes);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Copies saved values into <paramref name="module"/>; throws <see cref="InvalidDataException"/> on any mismatch.</summary>
    public static void Read(byte[] content, nn.Module module)
    {
        var state = module.state_dict();
        try
        {
            using var r = new BinaryReader(new MemoryStream(content), Encoding.UTF8);
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("the weights entry has a wrong header");
            int count = r.ReadInt32();
            if (count != state.Count) throw new InvalidDataException($"the weights entry has {count} tensors; the network has {state.Count}");
            using var _ = no_grad();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                int rank = r.ReadInt32();
                if (rank < 0 || rank > 8) throw new InvalidDataException($"tensor '{name}' has an invalid rank {rank}");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
                if (!state.TryGetValue(name, out var target)) throw new InvalidDataException($"the weights entry has an unknown tensor '{name}'");
                if (!target.shape.SequenceEqual(shape))
                    throw new InvalidDataException($"tensor '{name}' has shape [{string.Join(", ", shape)}]; the network expects [{string.Join(", ", target.shape)}]");
                long n = shape.Aggregate(1L, (a, b) => a * b);
                var bytes = r.ReadBytes(checked((int)(n * sizeof(float))));
                if (bytes.Length != n * sizeof(float)) throw new InvalidDataException($"tensor '{name}' is truncated");
                var values = new float[n];
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                using var loaded = tensor(values, shape);
                target.copy_(loaded);
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("the weights entry has trailing bytes");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the weights entry is truncated", e);
        }
    }

    /// <summary>One float32 tensor (for example the BatchNorm sample of a model) in the same format, under <paramref name="name"/>.</summary>
    public static byte[] WriteTensor(string name, Tensor value)
    {
        if (value.dtype != ScalarType.Float32) throw new NotSupportedException($"Tensor '{name}' is {value.dtype}; only float32 is saved.");
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(1);
            w.Write(name);
            w.Write(checked((int)value.dim()));
            foreach (var d in value.shape) w.Write(d);
            var values = value.detach().cpu().contiguous().data<float>().ToArray();
            var bytes = new byte[values.Length * sizeof(float)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            w.Write(bytes);
        }
        return stream.ToArray();
    }

    /// <summary>Reads a tensor written by <see cref="WriteTensor"/> (on the CPU); throws <see cref="InvalidDataException"/> when it is not <paramref name="name"/> or is damaged.</summary>
    public static Tensor ReadTensor(byte[] content, string name)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(content), Encoding.UTF8);
            if (r.ReadUInt32() != Magic || r.ReadInt32() != 1) throw new InvalidDataException($"the '{name}' entry has a wrong header");
            string stored = r.ReadString();
            if (stored != name) throw new InvalidDataException($"the '{name}' entry holds tensor '{stored}'");
            int rank = r.ReadInt32();
            if (rank < 0 || rank > 8) throw new InvalidDataException($"tensor '{name}' has an invalid rank {rank}");
            var shape = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt64();
                if (shape[d] < 0) throw new InvalidDataException($"tensor '{name}' has a negative size");
            }
            long n = shape.Aggregate(1L, (a, b) => checked(a * b));
            var bytes = r.ReadBytes(checked((int)(n * sizeof(float))));
            if (bytes.Length != n * sizeof(float)) throw new InvalidDataException($"tensor '{name}' is truncated");
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException($"the '{name}' entry has trailing bytes");
            var values = new float[n];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return tensor(values, shape);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"the '{name}' entry is truncated", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"tensor '{name}' has an invalid shape", e);
        }
    }
}
