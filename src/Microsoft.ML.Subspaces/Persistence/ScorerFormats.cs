using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// The registry of how each kind of this library's transformers is stored in a model file: a kind name in the
/// manifest, a writer, and a reader. Adding a transformer type means adding one entry here.
/// </summary>
internal static class ScorerFormats
{
    private sealed record Format(string Kind, Type Type, Action<ModelArchive.Writer, string, ScorerTransformer> Write, Func<ModelArchive.Reader, string, ScorerTransformer> Read);

    private static readonly Format[] Formats =
    {
        new(SubspaceTransformerFormat.Kind, typeof(SubspaceTransformer),
            (w, prefix, t) => SubspaceTransformerFormat.Write(w, prefix, (SubspaceTransformer)t), SubspaceTransformerFormat.Read),
        new(PathTransformerFormat.Kind, typeof(PathTransformer),
            (w, prefix, t) => PathTransformerFormat.Write(w, prefix, (PathTransformer)t), PathTransformerFormat.Read),
        new(EnsembleTransformerFormat.Kind, typeof(EnsembleTransformer),
            (w, prefix, t) => EnsembleTransformerFormat.Write(w, prefix, (EnsembleTransformer)t), EnsembleTransformerFormat.Read),
    };

    /// <summary>Writes <paramref name="scorer"/> under <paramref name="prefix"/> and returns its kind.</summary>
    public static string Write(ModelArchive.Writer writer, string prefix, ScorerTransformer scorer)
    {
        var format = Formats.FirstOrDefault(f => f.Type == scorer.GetType())
            ?? throw new NotSupportedException($"Saving a {scorer.GetType().Name} is not supported.");
        format.Write(writer, prefix, scorer);
        return format.Kind;
    }

    /// <summary>True when <paramref name="kind"/> names a format this library reads.</summary>
    public static bool TryRead(string kind, ModelArchive.Reader reader, string prefix, out ScorerTransformer? scorer)
    {
        var format = Formats.FirstOrDefault(f => f.Kind == kind);
        scorer = format?.Read(reader, prefix);
        return format is not null;
    }
}
