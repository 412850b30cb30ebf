using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Inputs at the boundaries end in a clear exception naming the value, never in a model of garbage or a crash.</summary>
public class BoundaryInputTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public BoundaryInputTests(SmallLineFixture fixture) => _f = fixture;

    public sealed class WeightedRow
    {
        public uint Label { get; set; }
        [VectorType(64)] public float[] Features { get; set; } = Array.Empty<float>();
        public float Weight { get; set; }
    }

    /// <summary>An input class whose features carry no [VectorType]: a vector of unknown size.</summary>
    public sealed class UnsizedRow
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void Example_weights_whose_sum_overflows_the_loss_are_reported_as_such()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(TestData.OptdigitsTrain, 0, 100).Select(r => new WeightedRow { Label = r.Label, Features = r.Features, Weight = 3e37f }).ToList();
        var data = TestData.Keyed(ml, ml.Data.LoadFromEnumerable(rows));
        var options = TestData.SmallLine(epochs: 1, hidden: 4);
        options.ExampleWeightColumnName = "Weight";
        var e = Assert.Throws<InvalidOperationException>(() => ml.Subspaces().Trainers.Line(options).Fit(data));
        Assert.Contains("'Weight'", e.Message);
        Assert.Contains("Scale the weights down", e.Message);
        Assert.DoesNotContain("LearningRate", e.Message);
    }

    [Fact]
    public void An_engine_over_unsized_features_predicts_and_names_both_widths_when_a_row_is_wrong()
    {
        using var engine = _f.Context.Model.CreatePredictionEngine<UnsizedRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false });
        var row = _f.TestRows[0];
        using var typed = _f.Context.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(_f.Model, new PredictionEngineOptions { OwnsTransformer = false });
        Assert.Equal(typed.Predict(row).Score, engine.Predict(new UnsizedRow { Label = row.Label, Features = row.Features }).Score);
        var e = Assert.Throws<InvalidOperationException>(() => engine.Predict(new UnsizedRow { Label = row.Label, Features = new float[4] }));
        Assert.Contains("4 values", e.Message);
        Assert.Contains("64", e.Message);
    }

    [Fact]
    public void Ensemble_specifications_are_checked_when_built()
    {
        var nullMember = Assert.Throws<ArgumentException>(() => SubspaceEnsemble.Points(new[] { 0.5 }, null!));
        Assert.Contains("Point 1", nullMember.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SubspaceEnsemble.Sampled(int.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubspaceEnsemble.Sampled(0));
        Assert.Equal("sampled(1024, seed 0)", SubspaceEnsemble.Sampled(SubspaceEnsemble.MaxMembers).Description);
    }

    public sealed class HugeKeyRow
    {
        [KeyType(int.MaxValue)] public uint Label { get; set; }
        [VectorType(64)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void A_key_type_of_two_billion_classes_is_an_error_naming_the_label()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Rows(TestData.OptdigitsTrain, 0, 20).Select(r => new HugeKeyRow { Label = r.Label + 1, Features = r.Features }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 1, hidden: 4)).Fit(data));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("2,147,483,647", e.Message);
    }
}
