using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>Checks that fitted models solve one task (and, for curves and segments, share one architecture).</summary>
internal static class ModelCompatibility
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> (naming <paramref name="parameterName"/> and the models by
    /// <paramref name="names"/>) unless every model reads the same features column and size and predicts the
    /// same classes (count, label key values and their type).
    /// </summary>
    public static void CheckSameTask(IReadOnlyList<ScorerTransformer> models, IReadOnlyList<string> names, string parameterName)
    {
        var first = models[0];
        for (int i = 1; i < models.Count; i++)
        {
            var m = models[i];
            if (m.FeatureColumnName != first.FeatureColumnName || m.FeatureSize != first.FeatureSize)
                throw new ArgumentException(
                    $"{Cap(names[i])} reads features column '{m.FeatureColumnName}' of {m.FeatureSize} values; {names[0]} reads '{first.FeatureColumnName}' of {first.FeatureSize}. " +
                    "The models must read the same features.", parameterName);
            if (m.Output != first.Output)
                throw new ArgumentException(
                    $"{Cap(names[i])} is a {m.Output} model; {names[0]} is a {first.Output} model. The models must be of the same task.", parameterName);
            if (m.ClassCount != first.ClassCount)
                throw new ArgumentException(
                    $"{Cap(names[i])} predicts {m.ClassCount} classes; {names[0]} predicts {first.ClassCount}. The models must predict the same classes.", parameterName);
            if (m.Labels.TypeName != first.Labels.TypeName || !m.Labels.Values.SequenceEqual(first.Labels.Values))
                throw new ArgumentException(
                    $"{Cap(names[i])} has label key values [{Describe(m)}]; {names[0]} has [{Describe(first)}]. " +
                    "The models must be trained with the same label key mapping (fit MapValueToKey once and reuse it).", parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the networks share one architecture.</summary>
    public static void CheckSameArchitecture(NetworkSpec first, string firstName, NetworkSpec other, string otherName, string parameterName)
    {
        if (!first.SameArchitecture(other))
            throw new ArgumentException(
                $"{Cap(otherName)} is an {other.Describe()} network; {firstName} is an {first.Describe()}. Both ends must have the same architecture.", parameterName);
    }

    private static string Describe(ScorerTransformer m) =>
        $"{m.Labels.TypeName}: " + string.Join(", ", m.Labels.Values.Take(12)) + (m.Labels.Count > 12 ? ", ..." : "");

    private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
