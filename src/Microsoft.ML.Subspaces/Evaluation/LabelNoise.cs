namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>
/// Symmetric label noise as in the subspace paper's robustness experiments: a fixed permutation of the rows
/// is drawn from the seed, and the first <c>fraction * N</c> rows of it get a class drawn uniformly (which may
/// equal the true one). Apply it to the training split only.
/// </summary>
public static class LabelNoise
{
    /// <summary>Returns a copy of <paramref name="labels"/> (0-based classes) with noise injected.</summary>
    public static int[] Inject(ReadOnlySpan<int> labels, double fraction, int classCount, int seed)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The noise fraction must be in [0, 1].");
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Need at least one class.");
        var result = labels.ToArray();
        var random = new Random(seed);
        var order = Enumerable.Range(0, result.Length).ToArray();
        random.Shuffle(order);
        int count = SelectedCount(fraction, result.Length);
        for (int i = 0; i < count; i++) result[order[i]] = random.Next(classCount);
        return result;
    }

    /// <summary>The rows <see cref="Inject"/> picks for relabelling (whether or not their class changed).</summary>
    public static int[] SelectedRows(int rowCount, double fraction, int seed)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The noise fraction must be in [0, 1].");
        if (rowCount < 0) throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, "The row count cannot be negative.");
        var random = new Random(seed);
        var order = Enumerable.Range(0, rowCount).ToArray();
        random.Shuffle(order);
        return order.Take(SelectedCount(fraction, rowCount)).ToArray();
    }

    /// <summary>
    /// floor(fraction * rows), computed in decimal: in doubles 0.29 * 100 is 28.999999999999996, which would
    /// relabel 28 rows where 29% of 100 is asked for.
    /// </summary>
    private static int SelectedCount(double fraction, int rows) => (int)decimal.Floor((decimal)fraction * rows);
}
