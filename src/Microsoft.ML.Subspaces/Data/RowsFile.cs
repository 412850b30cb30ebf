using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// The library's file of training rows for streaming (<c>mlContext.Subspaces().Data.SaveRows</c> / <c>LoadRows</c>):
/// a header, then row after row of the features as float32 and the label, uncompressed, little-endian. Reading it costs
/// a copy per row, where ML.NET's binary format decompresses every block on one thread (on the development machine that
/// alone takes longer than a training epoch of a small network).
/// <para>Header: "SSROWS01", feature count (int32), row count (int64), label kind (byte: 0 Single, 1 Boolean, 2 key),
/// key count (uint32), key value count (int32) and the key values (strings), the features and label column names.</para>
/// </summary>
internal static class RowsFile
{
    public const string Magic = "SSROWS01";

    public enum LabelKind : byte { Single = 0, Boolean = 1, Key = 2 }

    /// <summary>What the header says.</summary>
    public sealed record Header(int FeatureSize, long Rows, LabelKind Label, uint KeyCount, string[] KeyValues, string FeatureColumn, string LabelColumn, long DataOffset)
    {
        /// <summary>Bytes per row: the features, then the label (4 bytes, or 1 for a Boolean).</summary>
        public int RowBytes => FeatureSize * sizeof(float) + (Label == LabelKind.Boolean ? 1 : 4);
    }

    /// <summary>Writes the features and label of every row of <paramref name="data"/> to <paramref name="path"/> (whole or not at all); returns the row count.</summary>
    public static long Save(IDataView data, string path, string featureColumn, string labelColumn, CancellationToken cancellationToken)
    {
        int size = FeatureColumns.CheckFeatures(data.Schema, featureColumn, out var features);
        var label = FeatureColumns.Find(data.Schema, labelColumn, "label");
        LabelKind kind;
        uint keyCount = 0;
        string[] keyValues = Array.Empty<string>();
        if (label.Type == NumberDataViewType.Single) kind = LabelKind.Single;
        else if (label.Type == BooleanDataViewType.Instance) kind = LabelKind.Boolean;
        else if (label.Type is KeyDataViewType key && key.RawType == typeof(uint))
        {
            kind = LabelKind.Key;
            keyCount = (uint)FeatureColumns.CheckLabel(data.Schema, labelColumn, out _);
            keyValues = LabelKeyValues.FromColumn(label)?.Values.ToArray() ?? Array.Empty<string>();
        }
        else
            throw new ArgumentOutOfRangeException("labelColumnName", labelColumn,
                $"Label column '{labelColumn}' is {label.Type}; a rows file stores a Single (regression), Boolean (binary) or UInt32 key (multiclass) label.");

        string partial = path + ".partial";
        long rows = 0;
        try
        {
            using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                writer.Write(Encoding.ASCII.GetBytes(Magic));
                writer.Write(size);
                long rowCountOffset = stream.Position;
                writer.Write(0L);
                writer.Write((byte)kind);
                writer.Write(keyCount);
                writer.Write(keyValues.Length);
                foreach (var v in keyValues) writer.Write(v);
                writer.Write(featureColumn);
                writer.Write(labelColumn);

                using var cursor = data.GetRowCursor(new[] { features, label });
                var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
                VBuffer<float> buffer = default;
                var row = new float[size];
                var bytes = new byte[size * sizeof(float)];
                ValueGetter<float>? getSingle = kind == LabelKind.Single ? cursor.GetGetter<float>(label) : null;
                ValueGetter<bool>? getBoolean = kind == LabelKind.Boolean ? cursor.GetGetter<bool>(label) : null;
                ValueGetter<uint>? getKey = kind == LabelKind.Key ? cursor.GetGetter<uint>(label) : null;
                while (cursor.MoveNext())
                {
                    if ((rows & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
                    getFeatures(ref buffer);
                    if (buffer.Length != size)
                        throw new InvalidOperationException($"Features column '{featureColumn}' has {buffer.Length} values at row {rows}; expected {size}.");
                    buffer.CopyTo(row);
                    Buffer.BlockCopy(row, 0, bytes, 0, bytes.Length);
                    writer.Write(bytes);
                    switch (kind)
                    {
                        case LabelKind.Single: { float v = 0; getSingle!(ref v); writer.Write(v); break; }
                        case LabelKind.Boolean: { bool v = false; getBoolean!(ref v); writer.Write(v); break; }
                        default: { uint v = 0; getKey!(ref v); writer.Write(v); break; }
                    }
                    rows++;
                }
                stream.Position = rowCountOffset;
                writer.Write(rows);
            }
            File.Move(partial, path, overwrite: true);
            return rows;
        }
        catch
        {
            try { File.Delete(partial); } catch (IOException) { } // nothing half-written is left behind
            throw;
        }
    }

    /// <summary>Reads and checks the header of <paramref name="path"/>.</summary>
    public static Header ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic != Magic) throw new InvalidDataException($"'{path}' is not a rows file written by SaveRows (it starts with '{magic}', not '{Magic}').");
            int size = reader.ReadInt32();
            long rows = reader.ReadInt64();
            var kind = (LabelKind)reader.ReadByte();
            uint keyCount = reader.ReadUInt32();
            int valueCount = reader.ReadInt32();
            if (size < 1 || rows < 0 || !Enum.IsDefined(kind) || valueCount < 0 || valueCount > FeatureColumns.MaxClasses
                || (kind == LabelKind.Key && (keyCount < 1 || keyCount > FeatureColumns.MaxClasses || (valueCount != 0 && valueCount != keyCount))))
                throw new InvalidDataException($"The header of rows file '{path}' is damaged ({size} features, {rows} rows, label kind {(byte)kind}, {keyCount} keys).");
            var values = new string[valueCount];
            for (int i = 0; i < valueCount; i++) values[i] = reader.ReadString();
            var header = new Header(size, rows, kind, keyCount, values, reader.ReadString(), reader.ReadString(), stream.Position);
            long expected = header.DataOffset + rows * header.RowBytes;
            if (stream.Length != expected)
                throw new InvalidDataException($"Rows file '{path}' has {stream.Length:N0} bytes; its header promises {expected:N0} ({rows:N0} rows of {header.RowBytes} bytes). Was it cut short?");
            return header;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Rows file '{path}' ends inside its header.");
        }
    }
}
