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
                w.Write((int)tensor.dim()); // the reader reads an int32 rank (dim() is a long)
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
}
