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

    /// <summary>
    /// Both splits as data views with a key-typed "Label": one key mapping, fitted on the training labels and ordered
    /// by value, so key k is digit k - 1 in both splits.
    /// </summary>
    public static (IDataView Train, IDataView Test) ToKeyedDataViews(this MLContext ml, DigitSet train, DigitSet test)
    {
        var trainView = ml.ToDataView(train);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(trainView);
        return (keys.Transform(trainView), keys.Transform(ml.ToDataView(test)));
    }
}
