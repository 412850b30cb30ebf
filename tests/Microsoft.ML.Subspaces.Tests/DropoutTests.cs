using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Dropout is a training option: seeded masks while fitting, none at prediction, saved with the model.</summary>
public class DropoutTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public DropoutTests(SmallLineFixture fixture) => _f = fixture;

    private SubspaceTransformer Fit(double dropout, int seed = 3) =>
        _f.Context.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 32 }, Epochs = 2, BatchSize = 64, Seed = seed, Dropout = dropout })
            .Fit(TestData.Keyed(_f.Context, _f.Train));

    [Fact]
    public void Dropout_changes_training_is_deterministic_for_a_seed_and_never_drops_at_prediction()
    {
        var features = _f.TestRows.Take(30).SelectMany(r => r.Features).ToArray();
        using var plain = Fit(0);
        using var dropped = Fit(0.5);
        using var again = Fit(0.5);
        Assert.Equal(0.5, dropped.Network.Dropout);
        var p = dropped.PredictProbabilities(features);
        Assert.NotEqual(plain.PredictProbabilities(features), p);      // the masks changed the training
        Assert.Equal(p, again.PredictProbabilities(features));          // the same seed draws the same masks
        Assert.Equal(p, dropped.PredictProbabilities(features));        // prediction drops nothing
        var accuracy = _f.Context.MulticlassClassification.Evaluate(dropped.Transform(TestData.Keyed(_f.Context, _f.Test))).MicroAccuracy;
        Assert.True(accuracy > 0.6, $"accuracy with dropout 0.5 after 2 epochs on 600 rows: {accuracy:P1} (chance: 10%)");
    }

    [Fact]
    public void Dropout_is_saved_with_the_model()
    {
        using var dropped = Fit(0.25);
        using var m = new MemoryStream();
        _f.Context.Subspaces().Model.Save(dropped, _f.Train.Schema, m);
        using var loaded = (SubspaceTransformer)_f.Context.Subspaces().Model.Load(new MemoryStream(m.ToArray()), out _);
        Assert.Equal(0.25, loaded.Network.Dropout);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void A_dropout_outside_zero_to_one_is_an_error_naming_it(double dropout)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _f.Context.Subspaces().Trainers.Line(new LineTrainerOptions { Dropout = dropout }));
        Assert.Equal("Dropout", e.ParamName);
    }
}
