using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Model files are untrusted input: random mutations of a saved model and hand-crafted files (checksums recomputed, so
/// that only the library's own checks stand between them and the loader) either load and predict exactly as the
/// original, or fail with <see cref="InvalidDataException"/>; never another exception, a crash or a huge allocation.
/// </summary>
public class ModelFileFuzzTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    private readonly byte[] _saved;
    private readonly float[] _features;
    private readonly float[] _scores;

    public ModelFileFuzzTests(SmallLineFixture fixture)
    {
        _f = fixture;
        using var m = new MemoryStream();
        _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, m);
        _saved = m.ToArray();
        _features = _f.TestRows.Take(5).SelectMany(r => r.Features).ToArray();
        _scores = _f.Line.PredictProbabilities(_features);
    }

    /// <summary>Loads <paramref name="bytes"/>: "loaded" (and predicting as the original), "invalid", or what else happened.</summary>
    private string TryLoad(byte[] bytes)
    {
        try
        {
            var model = _f.Context.Subspaces().Model.Load(new MemoryStream(bytes), out _);
            try
            {
                var lines = TestData.AllSubspaces(model).ToList();
                if (lines.Count != 1) return $"loaded a model with {lines.Count} subspace transformers: {Describe(model)}";
                return lines[0].PredictProbabilities(_features).SequenceEqual(_scores) ? "loaded" : "loaded with other scores";
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        catch (InvalidDataException) { return "invalid"; }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
    }

    private static string Describe(ITransformer model) => model is IEnumerable<ITransformer> chain
        ? "[" + string.Join(", ", chain.Select(Describe)) + "]"
        : model.GetType().Name;

    [Fact]
    public void Random_mutations_load_as_the_original_or_are_invalid()
    {
        var random = new Random(2026);
        var outcomes = new Dictionary<string, int>();
        int count = int.TryParse(Environment.GetEnvironmentVariable("SUBSPACES_FUZZ_MUTATIONS"), out var n) ? n : 1000;
        for (int i = 0; i < count; i++)
        {
            var bytes = (byte[])_saved.Clone();
            switch (i % 4)
            {
                case 0: // flip a few bytes
                    for (int k = random.Next(1, 9); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    break;
                case 1: // truncate
                    bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
                    break;
                case 2: // overwrite a run with noise
                    int start = random.Next(bytes.Length), length = Math.Min(random.Next(1, 64), bytes.Length - start);
                    random.NextBytes(bytes.AsSpan(start, length));
                    break;
                default: // junk before the archive
                    var junk = new byte[random.Next(1, 32)];
                    random.NextBytes(junk);
                    bytes = junk.Concat(bytes).ToArray();
                    break;
            }
            string outcome = TryLoad(bytes);
            if (outcome is not ("loaded" or "invalid")) outcome += $" (mutation {i})";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        var unexpected = outcomes.Where(o => o.Key is not ("loaded" or "invalid")).ToList();
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected.Select(o => $"{o.Value} x {o.Key}")));
        Assert.True(outcomes.GetValueOrDefault("invalid") > 750, $"only {outcomes.GetValueOrDefault("invalid")} of 1,000 mutations were detected");
    }

    /// <summary>The saved archive with entries changed by <paramref name="change"/> and the manifest's checksums recomputed.</summary>
    private byte[] Crafted(Action<Dictionary<string, byte[]>> change)
    {
        var entries = new Dictionary<string, byte[]>();
        using (var zip = new ZipArchive(new MemoryStream(_saved), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries[e.FullName] = m.ToArray();
            }
        change(entries);
        var manifest = JsonNode.Parse(entries["manifest.json"])!;
        var sums = manifest["Sha256"]!.AsObject();
        foreach (var (name, content) in entries)
            if (name != "manifest.json") sums[name] = Convert.ToHexString(SHA256.HashData(content));
        entries["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                s.Write(content);
            }
        return output.ToArray();
    }

    private static string Subspace(Dictionary<string, byte[]> entries) => entries.Keys.Single(k => k.EndsWith("transformer.json", StringComparison.Ordinal));

    private static void EditSubspace(Dictionary<string, byte[]> entries, Action<JsonNode> edit)
    {
        var name = Subspace(entries);
        var json = JsonNode.Parse(entries[name])!;
        edit(json);
        entries[name] = Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    public static TheoryData<string> CraftedCases => new()
    {
        "huge hidden sizes", "huge point count", "null network", "null positions", "null label values", "empty feature column",
        "text label values for a Single label", "negative weights rank", "zip bomb weights", "huge manifest", "unknown architecture",
        "image shape that does not match", "simplex of 2^31 vertices", "weights rank of 2e9", "null manifest parts",
    };

    [Theory]
    [MemberData(nameof(CraftedCases))]
    public void Crafted_files_are_invalid(string craft)
    {
        byte[] bytes = craft switch
        {
            "huge hidden sizes" => Crafted(e => EditSubspace(e, j => j["Network"]!["HiddenSizes"] = new JsonArray(200000, 200000))),
            "huge point count" => Crafted(e => EditSubspace(e, j => j["Network"]!["PointCount"] = int.MaxValue)),
            "null network" => Crafted(e => EditSubspace(e, j => j["Network"] = null)),
            "null positions" => Crafted(e => EditSubspace(e, j => j["Positions"] = null)),
            "null label values" => Crafted(e => EditSubspace(e, j => j["LabelValues"] = null)),
            "empty feature column" => Crafted(e => EditSubspace(e, j => j["FeatureColumnName"] = "")),
            "text label values for a Single label" => Crafted(e => EditSubspace(e, j =>
            {
                j["LabelType"] = "Single";
                j["LabelValues"] = new JsonArray(Enumerable.Range(0, 10).Select(i => (JsonNode)JsonValue.Create($"class {i}")!).ToArray());
            })),
            "negative weights rank" => Crafted(e =>
            {
                var name = e.Keys.Single(k => k.EndsWith("weights.bin", StringComparison.Ordinal));
                var w = e[name];
                int nameLength = w[8]; // magic (4), count (4), then the first tensor's name (length-prefixed)
                BitConverter.GetBytes(-1).CopyTo(w, 9 + nameLength);
            }),
            "zip bomb weights" => Crafted(e => e[e.Keys.Single(k => k.EndsWith("weights.bin", StringComparison.Ordinal))] = new byte[64 << 20]),
            "huge manifest" => HugeManifest(),
            "unknown architecture" => Crafted(e => EditSubspace(e, j => j["Network"]!["Kind"] = "transformer")),
            "image shape that does not match" => Crafted(e => EditSubspace(e, j =>
            {
                j["Network"]!["Kind"] = "convnet";
                j["Network"]!["InputShape"] = new JsonArray(1, 8000, 8000);
            })),
            "simplex of 2^31 vertices" => Crafted(e => EditSubspace(e, j => j["Shape"] = "simplex" + int.MaxValue)),
            "weights rank of 2e9" => Crafted(e =>
            {
                var w = e[e.Keys.Single(k => k.EndsWith("weights.bin", StringComparison.Ordinal))];
                BitConverter.GetBytes(2_000_000_000).CopyTo(w, 9 + w[8]);
            }),
            "null manifest parts" => NullManifestParts(),
            _ => throw new ArgumentOutOfRangeException(nameof(craft)),
        };
        Assert.Equal("invalid", TryLoad(bytes));
    }

    /// <summary>The saved archive whose manifest has "Parts": null (its checksums unchanged: the manifest has none of its own).</summary>
    private byte[] NullManifestParts()
    {
        var entries = new Dictionary<string, byte[]>();
        using (var zip = new ZipArchive(new MemoryStream(_saved), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries[e.FullName] = m.ToArray();
            }
        var manifest = JsonNode.Parse(entries["manifest.json"])!;
        manifest["Parts"] = null;
        entries["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(content);
            }
        return output.ToArray();
    }

    /// <summary>A manifest that inflates to 64 MB of JSON whitespace from a few kilobytes.</summary>
    private byte[] HugeManifest()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("manifest.json", CompressionLevel.Optimal).Open())
        {
            var spaces = new byte[1 << 20];
            Array.Fill(spaces, (byte)' ');
            for (int i = 0; i < 64; i++) s.Write(spaces);
            s.Write("{}"u8);
        }
        return output.ToArray();
    }
}
