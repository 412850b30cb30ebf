using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Subspaces.Evaluation;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Symmetric label noise: floor(p N) rows selected by a seeded permutation get a uniform class; nothing else changes.</summary>
public class LabelNoiseTests
{
    private static int[] Labels(int n) => Enumerable.Range(0, n).Select(i => i * 7 % 10).ToArray();

    [Theory]
    [InlineData(1000, 0.3, 300)]
    [InlineData(1000, 0.0, 0)]
    [InlineData(1000, 1.0, 1000)]
    [InlineData(10, 0.25, 2)]   // floor(2.5)
    [InlineData(8000, 0.2, 1600)]
    [InlineData(100, 0.29, 29)] // 0.29 * 100 is 28.999999999999996 in doubles
    [InlineData(100, 0.57, 57)] // 0.57 * 100 is 56.99999999999999 in doubles
    public void Exactly_floor_p_N_rows_are_selected_and_only_they_may_change(int n, double p, int expectedSelected)
    {
        var labels = Labels(n);
        var selected = LabelNoise.SelectedRows(n, p, seed: 7);
        Assert.Equal(expectedSelected, selected.Length);
        Assert.Equal(selected.Length, selected.Distinct().Count());
        Assert.All(selected, r => Assert.InRange(r, 0, n - 1));

        var noisy = LabelNoise.Inject(labels, p, classCount: 10, seed: 7);
        Assert.Equal(n, noisy.Length);
        var chosen = selected.ToHashSet();
        for (int i = 0; i < n; i++)
        {
            Assert.InRange(noisy[i], 0, 9);
            if (!chosen.Contains(i)) Assert.Equal(labels[i], noisy[i]);
        }
    }

    [Fact]
    public void Selected_rows_get_a_uniform_class_which_may_equal_the_true_one()
    {
        // 5,000 relabelled rows of 10 classes: about 90% change (a uniform draw keeps the class 1 time in 10),
        // and every class is drawn about 500 times.
        const int n = 10_000;
        var labels = Labels(n);
        var noisy = LabelNoise.Inject(labels, 0.5, 10, seed: 11);
        var selected = LabelNoise.SelectedRows(n, 0.5, seed: 11);
        int changed = selected.Count(r => noisy[r] != labels[r]);
        Assert.InRange(changed, 4400, 4600);
        Assert.True(changed < selected.Length, "some relabelled rows should keep their class");
        var counts = selected.GroupBy(r => noisy[r]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 400, 600));
        Assert.Equal(changed, Enumerable.Range(0, n).Count(i => noisy[i] != labels[i])); // nothing outside the selection changed
    }

    [Fact]
    public void The_same_seed_gives_the_same_noise_and_another_seed_other_noise()
    {
        var labels = Labels(2000);
        Assert.Equal(LabelNoise.Inject(labels, 0.4, 10, seed: 3), LabelNoise.Inject(labels, 0.4, 10, seed: 3));
        Assert.Equal(LabelNoise.SelectedRows(2000, 0.4, seed: 3), LabelNoise.SelectedRows(2000, 0.4, seed: 3));
        Assert.NotEqual(LabelNoise.Inject(labels, 0.4, 10, seed: 3), LabelNoise.Inject(labels, 0.4, 10, seed: 4));
        Assert.NotEqual(LabelNoise.SelectedRows(2000, 0.4, seed: 3), LabelNoise.SelectedRows(2000, 0.4, seed: 4));
    }

    [Fact]
    public void The_input_is_not_modified()
    {
        var labels = Labels(100);
        var copy = labels.ToArray();
        LabelNoise.Inject(labels, 1.0, 10, seed: 1);
        Assert.Equal(copy, labels);
    }

    [Fact]
    public void Selection_size_is_floor_p_N_for_any_fraction_and_size()
    {
        var cases = Gen.Choose(0, 2000).Zip(Gen.Choose(0, 100)).ToArbitrary();
        Prop.ForAll(cases, c =>
        {
            var (n, percent) = c;
            double p = percent / 100.0;
            int expected = n * percent / 100; // exact integer floor of p * N
            var labels = Labels(n);
            var noisy = LabelNoise.Inject(labels, p, 10, seed: n + percent);
            var selected = LabelNoise.SelectedRows(n, p, seed: n + percent).ToHashSet();
            return selected.Count == expected
                && Enumerable.Range(0, n).All(i => selected.Contains(i) || noisy[i] == labels[i]);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.Inject(Labels(10), -0.1, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.Inject(Labels(10), 1.1, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.Inject(Labels(10), double.NaN, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.Inject(Labels(10), 0.5, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.SelectedRows(10, double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.SelectedRows(10, 1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelNoise.SelectedRows(-1, 0.5, 1));
    }
}
