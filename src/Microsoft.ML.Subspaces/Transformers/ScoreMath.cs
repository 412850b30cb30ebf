using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>Turning a row of class probabilities into ML.NET column values.</summary>
internal static class ScoreMath
{
    /// <summary>The 1-based key of the most probable class, or 0 (missing) when the row has NaN.</summary>
    public static uint ArgMaxKey(ReadOnlySpan<float> probabilities)
    {
        int best = 0;
        for (int c = 0; c < probabilities.Length; c++)
        {
            if (float.IsNaN(probabilities[c])) return 0;
            if (probabilities[c] > probabilities[best]) best = c;
        }
        return (uint)best + 1;
    }

    /// <summary>
    /// The logit <c>log(p / q)</c> of the positive class's probability <paramref name="p"/> against the negative class's
    /// <paramref name="q"/> (binary classification's <c>Score</c>), in double precision, where <c>1 - p</c> would be 0
    /// once <c>p</c> rounds to 1 (ML.NET's evaluator skips rows whose score is not finite). A probability below
    /// <see cref="SmallestProbability"/> (a logit beyond about 87 either way) counts as it, so that the score stays finite.
    /// </summary>
    public static float Logit(float p, float q) =>
        (float)(Math.Log(Math.Max(p, SmallestProbability)) - Math.Log(Math.Max(q, SmallestProbability)));

    /// <summary>The smallest normal single-precision number: the floor of the probabilities <see cref="Logit"/> takes.</summary>
    public const float SmallestProbability = 1.17549435E-38f;

    /// <summary>Copies a row into a dense VBuffer, reusing its storage.</summary>
    public static void CopyRow(ReadOnlySpan<float> row, ref VBuffer<float> destination)
    {
        var editor = VBufferEditor.Create(ref destination, row.Length);
        row.CopyTo(editor.Values);
        destination = editor.Commit();
    }
}
