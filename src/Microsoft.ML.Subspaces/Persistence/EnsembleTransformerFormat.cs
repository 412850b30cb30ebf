using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>How an <see cref="EnsembleTransformer"/> is stored: a JSON description and each member under its own prefix, in its own format.</summary>
internal static class EnsembleTransformerFormat
{
    public const string Kind = "ensemble";

    internal sealed class State
    {
        public string Description { get; set; } = "";
        public string FeatureColumnName { get; set; } = "";
        public int FeatureSize { get; set; }
        public string LabelType { get; set; } = "";
        public string[] LabelValues { get; set; } = Array.Empty<string>();
        public List<ModelArchive.PartInfo> Members { get; set; } = new();
    }

    public static void Write(ModelArchive.Writer writer, string prefix, EnsembleTransformer ensemble)
    {
        var state = new State
        {
            Description = ensemble.Description,
            FeatureColumnName = ensemble.FeatureColumnName,
            FeatureSize = ensemble.FeatureSize,
            LabelType = ensemble.Labels.TypeName,
            LabelValues = ensemble.Labels.Values.ToArray(),
        };
        for (int i = 0; i < ensemble.Members.Count; i++)
        {
            var member = ensemble.Members[i];
            member.ThrowIfDisposed();
            string memberPrefix = $"{prefix}members/{i}/";
            string kind = ScorerFormats.Write(writer, memberPrefix, member);
            state.Members.Add(new ModelArchive.PartInfo { Kind = kind, Prefix = memberPrefix });
        }
        writer.AddJson(prefix + "ensemble.json", state);
    }

    public static EnsembleTransformer Read(ModelArchive.Reader reader, string prefix)
    {
        var state = reader.ReadJson<State>(prefix + "ensemble.json");
        if (state.Members.Count == 0) throw reader.Corrupted("the ensemble has no members", null);
        var members = new List<ScorerTransformer>();
        try
        {
            foreach (var part in state.Members)
            {
                if (!part.Prefix.StartsWith(prefix, StringComparison.Ordinal) || part.Prefix.Length <= prefix.Length)
                    throw reader.Corrupted("an ensemble member is stored outside the ensemble", null);
                if (!ScorerFormats.TryRead(part.Kind, reader, part.Prefix, out var member))
                    throw reader.Corrupted($"an ensemble member has an unknown kind '{part.Kind}' (written by a newer library?)", null);
                members.Add(member!);
            }
            var labels = LabelKeyValues.FromSaved(state.LabelType, state.LabelValues);
            foreach (var m in members)
            {
                if (m.FeatureColumnName != state.FeatureColumnName || m.FeatureSize != state.FeatureSize ||
                    m.Labels.TypeName != labels.TypeName || !m.Labels.Values.SequenceEqual(labels.Values))
                    throw reader.Corrupted("an ensemble member does not match the ensemble's features or labels", null);
            }
            return EnsembleTransformer.Own(members, state.Description, Array.Empty<EpochSummary>());
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
    }
}
