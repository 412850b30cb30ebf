using System.Globalization;
using Microsoft.ML.Data;


namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// The label's key values (the "KeyValues" annotation <c>MapValueToKey</c> writes): what each class index
/// stands for. Carried by fitted transformers so that <c>PredictedLabel</c> maps back to the original values,
/// and saved with them. Supports text, numeric and boolean key values.
/// </summary>
public sealed class LabelKeyValues
{
    private LabelKeyValues(PrimitiveDataViewType itemType, string[] values)
    {
        ItemType = itemType;
        Values = values;
    }

    /// <summary>The type of the values (text, Single, UInt32, ...).</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The values, as invariant-culture strings, class 0 first.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Number of classes.</summary>
    public int Count => Values.Count;

    /// <summary>Reads the KeyValues annotation of a label column, or null when it has none (or of an unsupported type).</summary>
    public static LabelKeyValues? FromColumn(DataViewSchema.Column label)
    {
        var kv = label.Annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType { ItemType: PrimitiveDataViewType itemType }) return null;
        string[]? values = itemType.RawType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => Read<ReadOnlyMemory<char>>(label, v => v.ToString()),
            var t when t == typeof(float) => Read<float>(label, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(double) => Read<double>(label, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(int) => Read<int>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(uint) => Read<uint>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => Read<long>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(ulong) => Read<ulong>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(short) => Read<short>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(ushort) => Read<ushort>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(byte) => Read<byte>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(sbyte) => Read<sbyte>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(bool) => Read<bool>(label, v => v ? "true" : "false"),
            _ => null,
        };
        return values is null ? null : new LabelKeyValues(itemType, values);
    }

    private static string[] Read<T>(DataViewSchema.Column label, Func<T, string> format)
    {
        VBuffer<T> buffer = default;
        label.GetKeyValues(ref buffer);
        return buffer.DenseValues().Select(format).ToArray();
    }

    /// <summary>Default names "0", "1", ... for labels that carry no key values.</summary>
    public static LabelKeyValues Ordinal(int count) =>
        new(NumberDataViewType.UInt32, Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());

    /// <summary>Type name used when saving: "Text", "Single", ...</summary>
    public string TypeName => ItemType.RawType == typeof(ReadOnlyMemory<char>) ? "Text" : ItemType.RawType.Name;

    /// <summary>Rebuilds key values saved with <see cref="TypeName"/> and <see cref="Values"/>.</summary>
    public static LabelKeyValues FromSaved(string typeName, string[] values)
    {
        PrimitiveDataViewType type = typeName switch
        {
            "Text" => TextDataViewType.Instance,
            nameof(Single) => NumberDataViewType.Single,
            nameof(Double) => NumberDataViewType.Double,
            nameof(Int32) => NumberDataViewType.Int32,
            nameof(UInt32) => NumberDataViewType.UInt32,
            nameof(Int64) => NumberDataViewType.Int64,
            nameof(UInt64) => NumberDataViewType.UInt64,
            nameof(Int16) => NumberDataViewType.Int16,
            nameof(UInt16) => NumberDataViewType.UInt16,
            nameof(Byte) => NumberDataViewType.Byte,
            nameof(SByte) => NumberDataViewType.SByte,
            nameof(Boolean) => BooleanDataViewType.Instance,
            _ => throw new InvalidDataException($"Unknown label key value type '{typeName}'."),
        };
        var saved = new LabelKeyValues(type, values);
        // Every value must read back as its type now, not when the first prediction builds the Score column's annotations.
        try { saved.AddTo(new DataViewSchema.Annotations.Builder(), "check"); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidDataException($"A label key value is not a {typeName} ({e.Message}).", e);
        }
        if (type == BooleanDataViewType.Instance && values.Any(v => v is not ("true" or "false")))
            throw new InvalidDataException("A Boolean label key value is neither 'true' nor 'false'.");
        return saved;
    }

    /// <summary>Adds the values as an annotation of kind <paramref name="kind"/> (typed as they were).</summary>
    internal void AddTo(DataViewSchema.Annotations.Builder builder, string kind)
    {
        switch (ItemType.RawType)
        {
            case var t when t == typeof(ReadOnlyMemory<char>): Add(builder, kind, s => s.AsMemory()); break;
            case var t when t == typeof(float): Add(builder, kind, s => float.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(double): Add(builder, kind, s => double.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(int): Add(builder, kind, s => int.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(uint): Add(builder, kind, s => uint.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(long): Add(builder, kind, s => long.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(ulong): Add(builder, kind, s => ulong.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(short): Add(builder, kind, s => short.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(ushort): Add(builder, kind, s => ushort.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(byte): Add(builder, kind, s => byte.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(sbyte): Add(builder, kind, s => sbyte.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(bool): Add(builder, kind, s => s == "true"); break;
            default: throw new NotSupportedException($"Label key values of type {ItemType} are not supported.");
        }
    }

    /// <summary>Adds the values as text (the "SlotNames" of the Score column).</summary>
    internal void AddAsText(DataViewSchema.Annotations.Builder builder, string kind)
    {
        var text = Values.Select(v => v.AsMemory()).ToArray();
        builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, text.Length),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => dst = new VBuffer<ReadOnlyMemory<char>>(text.Length, (ReadOnlyMemory<char>[])text.Clone()));
    }

    private void Add<T>(DataViewSchema.Annotations.Builder builder, string kind, Func<string, T> parse)
    {
        var values = Values.Select(parse).ToArray();
        builder.Add(kind, new VectorDataViewType(ItemType, values.Length),
            (ref VBuffer<T> dst) => dst = new VBuffer<T>(values.Length, (T[])values.Clone()));
    }
}
