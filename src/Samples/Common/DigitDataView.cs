using Microsoft.ML;
using Microsoft.ML.Data;

namespace Subspaces.Samples.Common;

/// <summary>Turns a <see cref="DigitSet"/> into an ML.NET data view with a "Features" vector and a UInt32 "Label".</summary>
public static class DigitDataView
{
    /// <summary>One row.</summary>
    public sealed class Row
    {
        /// <summary>The class.</summary>
        public uint Label { get; set; }
        /// <summary>The pixels.</summary>
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>Loads the rows into an IDataView whose Features column has the set's known size.</summary>
    public static IDataView ToDataView(this MLContext ml, DigitSet set)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, set.FeatureSize);
        var rows = Enumerable.Range(0, set.Count).Select(i => new Row
        {
            Label = (uint)set.Labels[i],
            Features = set.Features.AsSpan(i * set.FeatureSize, set.FeatureSize).ToArray(),
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows, schema);
    }
}
