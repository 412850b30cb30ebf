using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>The estimator's promised output schema is the fitted model's output schema.</summary>
public class SchemaTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public SchemaTests(SmallLineFixture fixture) => _f = fixture;

    private static void AssertSameShape(SchemaShape promised, DataViewSchema actual)
    {
        var visible = actual.Where(c => !c.IsHidden).ToList();
        Assert.Equal(visible.Select(c => c.Name).OrderBy(n => n), promised.Select(c => c.Name).OrderBy(n => n));
        foreach (var column in visible)
        {
            var shape = Find(promised, column.Name);
            var type = column.Type;
            switch (shape.Kind)
            {
                case SchemaShape.Column.VectorKind.Scalar:
                    Assert.False(type is VectorDataViewType, $"'{column.Name}': the estimator promised a scalar, the model gives {type}");
                    break;
                case SchemaShape.Column.VectorKind.Vector:
                    Assert.True(type is VectorDataViewType { IsKnownSize: true }, $"'{column.Name}': the estimator promised a known-size vector, the model gives {type}");
                    break;
                case SchemaShape.Column.VectorKind.VariableVector:
                    Assert.True(type is VectorDataViewType { IsKnownSize: false }, $"'{column.Name}': the estimator promised a variable vector, the model gives {type}");
                    break;
            }
            var item = type is VectorDataViewType v ? v.ItemType : type;
            Assert.True(shape.IsKey == item is KeyDataViewType, $"'{column.Name}': IsKey {shape.IsKey} promised, the model gives {item}");
            var rawItem = item is KeyDataViewType key ? PrimitiveOf(key.RawType) : item;
            Assert.True(shape.ItemType.Equals(rawItem), $"'{column.Name}': item type {shape.ItemType} promised, the model gives {rawItem}");
            Assert.Equal(
                column.Annotations.Schema.Select(a => a.Name).OrderBy(n => n),
                shape.Annotations.Select(a => a.Name).OrderBy(n => n));
        }
    }

    private static SchemaShape.Column Find(SchemaShape shape, string name)
    {
        var found = shape.Where(c => c.Name == name).ToList();
        Assert.True(found.Count == 1, $"column '{name}' is missing from the estimator's output schema");
        return found[0];
    }

    private static DataViewType PrimitiveOf(Type raw) =>
        raw == typeof(uint) ? NumberDataViewType.UInt32 :
        raw == typeof(ulong) ? NumberDataViewType.UInt64 :
        raw == typeof(ushort) ? NumberDataViewType.UInt16 :
        raw == typeof(byte) ? NumberDataViewType.Byte :
        throw new ArgumentException($"Unexpected key raw type {raw}.");

    [Fact]
    public void Pipeline_output_schema_matches_the_fitted_models_output_schema()
    {
        var promised = _f.Pipeline.GetOutputSchema(TestData.ShapeOf(_f.Train.Schema));
        var actual = _f.Model.GetOutputSchema(_f.Train.Schema);
        AssertSameShape(promised, actual);
        // The columns the scorer adds, as ML.NET's multiclass trainers lay them out.
        var score = Find(promised, "Score");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.Equal(NumberDataViewType.Single, score.ItemType);
        var predicted = Find(promised, "PredictedLabel");
        Assert.False(predicted.IsKey); // MapKeyToValue turned it back into the digit
        Assert.Equal(NumberDataViewType.UInt32, predicted.ItemType);
    }

    [Fact]
    public void Trainer_output_schema_matches_the_subspace_transformers_output_schema()
    {
        var keyed = TestData.Keyed(_f.Context, _f.Train);
        var trainer = _f.Context.Subspaces().Trainers.Line(TestData.SmallLine());
        var promised = trainer.GetOutputSchema(TestData.ShapeOf(keyed.Schema));
        var actual = _f.Line.GetOutputSchema(keyed.Schema);
        AssertSameShape(promised, actual);
        var predicted = Find(promised, "PredictedLabel");
        Assert.True(predicted.IsKey);
        var predictedType = Assert.IsType<KeyDataViewType>(actual["PredictedLabel"].Type);
        Assert.Equal(10UL, predictedType.Count);
        var scoreType = Assert.IsType<VectorDataViewType>(actual["Score"].Type);
        Assert.Equal(10, scoreType.Size);
    }

    [Fact]
    public void Transformed_data_has_the_schema_GetOutputSchema_reports()
    {
        var reported = _f.Model.GetOutputSchema(_f.Test.Schema);
        var transformed = _f.Model.Transform(_f.Test).Schema;
        Assert.Equal(reported.Count, transformed.Count);
        for (int i = 0; i < reported.Count; i++)
        {
            Assert.Equal(reported[i].Name, transformed[i].Name);
            Assert.Equal(reported[i].Type, transformed[i].Type);
            Assert.Equal(reported[i].IsHidden, transformed[i].IsHidden);
        }
    }

    [Fact]
    public void Score_carries_the_label_values_as_training_label_values()
    {
        var keyed = TestData.Keyed(_f.Context, _f.Test);
        var score = _f.Line.GetOutputSchema(keyed.Schema)["Score"];
        VBuffer<uint> values = default;
        score.Annotations.GetValue("TrainingLabelValues", ref values);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (uint)i), values.DenseValues());
    }
}
