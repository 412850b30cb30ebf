using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Same MLContext seed, same data: bitwise identical scores on the CPU; another seed: different ones.</summary>
public class DeterminismTests
{
    private static float[][] FitAndScore(int seed, Func<MLContext, SubspaceTrainer> trainer)
    {
        var ml = new MLContext(seed: seed);
        var train = TestData.View(ml, TestData.OptdigitsTrain, 0, 400);
        var test = TestData.View(ml, TestData.OptdigitsTest, 0, 100);
        using var model = (IDisposable)TestData.MapLabelToKey(ml).Append(trainer(ml)).Fit(train);
        return TestData.Scores(((ITransformer)model).Transform(test));
    }

    private static int Differences(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        int diff = 0;
        for (int r = 0; r < a.Length; r++)
        {
            Assert.Equal(a[r].Length, b[r].Length);
            for (int c = 0; c < a[r].Length; c++)
                if (BitConverter.SingleToInt32Bits(a[r][c]) != BitConverter.SingleToInt32Bits(b[r][c])) diff++;
        }
        return diff;
    }

    public static TheoryData<string> Trainers => new() { "line", "layer-wise line", "simplex3", "standard" };

    private static Func<MLContext, SubspaceTrainer> Trainer(string name) => name switch
    {
        "line" => ml => ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 3)),
        "layer-wise line" => ml =>
        {
            var o = TestData.SmallLine(epochs: 3);
            o.LayerWise = true;
            return ml.Subspaces().Trainers.Line(o);
        },
        "simplex3" => ml => ml.Subspaces().Trainers.Simplex(new SimplexTrainerOptions { Vertices = 3, HiddenLayers = new[] { 32 }, Epochs = 3, BatchSize = 64, Device = "cpu" }),
        "standard" => ml => ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 32 }, Epochs = 3, BatchSize = 64, Device = "cpu" }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Same_seed_gives_bitwise_identical_scores(string trainer)
    {
        var first = FitAndScore(1, Trainer(trainer));
        var second = FitAndScore(1, Trainer(trainer));
        Assert.Equal(0, Differences(first, second));
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Different_seed_gives_different_scores(string trainer)
    {
        var first = FitAndScore(1, Trainer(trainer));
        var other = FitAndScore(2, Trainer(trainer));
        // Different initialization and batch order: essentially every probability differs.
        Assert.True(Differences(first, other) > first.Length * first[0].Length / 2,
            "a different MLContext seed should give a different model");
    }

    [Fact]
    public void An_explicit_seed_option_overrides_the_context_seed()
    {
        Func<MLContext, SubspaceTrainer> seeded = ml =>
        {
            var o = TestData.SmallLine(epochs: 2);
            o.Seed = 42;
            return ml.Subspaces().Trainers.Line(o);
        };
        Assert.Equal(0, Differences(FitAndScore(1, seeded), FitAndScore(2, seeded)));
    }

    [Fact]
    public void Scoring_the_same_rows_again_gives_bitwise_identical_scores()
    {
        // Regression: the scorer once ran the forward pass on a wrapped managed array, and MKL's GEMM result
        // depended on that array's alignment, so repeated Transforms differed in the last bits.
        var ml = new MLContext(seed: 3);
        var train = TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 200));
        using var line = ml.Subspaces().Trainers.Line(TestData.SmallLine(epochs: 1, hidden: 8)).Fit(train);
        using var atPoint = line.WithPoint(0.4);
        var first = TestData.Scores(atPoint.Transform(train));
        for (int repeat = 0; repeat < 8; repeat++)
        {
            var shift = new byte[8 * repeat + 4]; // moves later managed allocations around
            Assert.Equal(0, Differences(first, TestData.Scores(atPoint.Transform(train))));
            GC.KeepAlive(shift);
        }
    }
}
