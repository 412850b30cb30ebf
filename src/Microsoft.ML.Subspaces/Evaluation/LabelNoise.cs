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
        int count = (int)(fraction * result.Length);
        for (int i = 0; i < count; i++) result[order[i]] = random.Next(classCount);
        return result;
    }

    /// <summary>The rows <see cref="Inject"/> picks for relabelling (whether or not their class changed).</summary>
    public static int[] SelectedRows(int rowCount, double fraction, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, rowCount).ToArray();
        random.Shuffle(order);
        return order.Take((int)(fraction * rowCount)).ToArray();
    }
}
