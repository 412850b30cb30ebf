using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// The model file: a zip archive whose <c>manifest.json</c> lists the parts of a pipeline and the SHA-256 of
/// every entry, so that a corrupted or truncated file is reported as such instead of loading wrong weights.
/// </summary>
internal static class ModelArchive
{
    public const string Format = "Microsoft.ML.Subspaces.Model";
    public const int Version = 1;
    public const string ManifestEntry = "manifest.json";

    /// <summary>Most bytes the manifest may inflate to.</summary>
    public const long MaxManifestBytes = 1 << 20;
    /// <summary>Most bytes a JSON description may inflate to.</summary>
    public const long MaxJsonBytes = 16 << 20;
    /// <summary>Most bytes any entry may inflate to (one managed array).</summary>
    public static readonly long MaxEntryBytes = Array.MaxLength;
    /// <summary>
    /// Most an entry may inflate relative to its compressed size. Saved weights are nearly incompressible and the
    /// BatchNorm rows of pixel data compress about 10:1; a zip bomb compresses 1000:1.
    /// </summary>
    public const long MaxCompressionRatio = 64;

    internal sealed class Manifest
    {
        public string Format { get; set; } = ModelArchive.Format;
        public int Version { get; set; } = ModelArchive.Version;
        public string LibraryVersion { get; set; } = typeof(ModelArchive).Assembly.GetName().Version?.ToString() ?? "";
        public bool IsChain { get; set; }
        public List<PartInfo> Parts { get; set; } = new();
        public Dictionary<string, string> Sha256 { get; set; } = new();
    }

    internal sealed class PartInfo
    {
        public string Kind { get; set; } = "";
        public string Prefix { get; set; } = "";
    }

    private static readonly DateTimeOffset FixedTime = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes entries and records their hashes; <see cref="Finish"/> writes the manifest.</summary>
    public sealed class Writer : IDisposable
    {
        private readonly ZipArchive _zip;
        public Manifest Manifest { get; } = new();

        public Writer(Stream stream) => _zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);

        public void Add(string name, byte[] content)
        {
            var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
            entry.LastWriteTime = FixedTime; // the same model saves to the same bytes
            using (var s = entry.Open()) s.Write(content);
            Manifest.Sha256[name] = Convert.ToHexString(SHA256.HashData(content));
        }

        public void AddJson<T>(string name, T value) => Add(name, JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions));

        public void Finish() => Add(ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(Manifest, JsonOptions));

        public void Dispose() => _zip.Dispose();
    }

    /// <summary>Reads entries, checking each against the manifest's hash.</summary>
    public sealed class Reader : IDisposable
    {
        private readonly ZipArchive _zip;
        private readonly string _source;
        public Manifest Manifest { get; }

        /// <param name="stream">The archive.</param>
        /// <param name="source">How errors name the file.</param>
        /// <param name="pipeline">A pipeline (the default) has an input schema entry; a file of another kind (a flow connector) has none.</param>
        public Reader(Stream stream, string source, bool pipeline = true)
        {
            _source = source;
            try
            {
                _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw Corrupted($"it is not a readable archive ({e.Message})", e);
            }
            var entry = _zip.GetEntry(ManifestEntry) ?? throw Corrupted("it has no manifest; it was not written by Microsoft.ML.Subspaces", null);
            byte[] bytes = ReadEntry(entry, MaxManifestBytes);
            Manifest? manifest;
            try { manifest = JsonSerializer.Deserialize<Manifest>(bytes, JsonOptions); }
            catch (JsonException e) { throw Corrupted("its manifest is not valid", e); }
            if (manifest is null || manifest.Format != Format) throw Corrupted("its manifest names another format", null);
            if (manifest.Parts is null || manifest.Sha256 is null || manifest.Parts.Any(p => p is null || p.Kind is null || p.Prefix is null))
                throw Corrupted("its manifest has missing fields", null);
            if (pipeline && manifest.Parts.Any(p => p.Kind == NeuronFlowConnectorFormat.Kind))
                throw new InvalidDataException($"Model file {_source} holds a flow connector, not a pipeline: load it with mlContext.Subspaces().Connections.LoadConnector.");
            if (!pipeline && manifest.Sha256.ContainsKey("input.mlnet"))
                throw new InvalidDataException($"Model file {_source} holds a pipeline, not a flow connector: load it with mlContext.Subspaces().Model.Load.");
            // The manifest has no checksum of its own: its parts must account for exactly the entries it checksums, so
            // that a damaged manifest cannot drop or invent a part of the pipeline.
            var prefixes = manifest.Parts.Select(p => p.Prefix).ToList();
            if (prefixes.Distinct().Count() != prefixes.Count || prefixes.Any(p => !manifest.Sha256.Keys.Any(k => k.StartsWith(p, StringComparison.Ordinal)))
                || manifest.Sha256.Keys.Any(k => (k != "input.mlnet" || !pipeline) && !prefixes.Any(p => p.Length > 0 && k.StartsWith(p, StringComparison.Ordinal)))
                || pipeline && !manifest.Sha256.ContainsKey("input.mlnet"))
                throw Corrupted("its manifest's parts do not match its entries", null);
            if (manifest.Version > Version)
                throw new InvalidDataException($"Model file {_source} has format version {manifest.Version}; this library reads up to {Version}. Update Microsoft.ML.Subspaces.");
            Manifest = manifest;
        }

        /// <summary>The size <paramref name="name"/> declares it inflates to (nothing is inflated), or an error when it is missing.</summary>
        public long DeclaredLength(string name) =>
            (_zip.GetEntry(name) ?? throw Corrupted($"entry '{name}' is missing", null)).Length;

        /// <summary>An entry's bytes, after checking its declared size against <paramref name="maxBytes"/> and its checksum.</summary>
        public byte[] Read(string name, long? maxBytes = null)
        {
            var entry = _zip.GetEntry(name) ?? throw Corrupted($"entry '{name}' is missing", null);
            var bytes = ReadEntry(entry, maxBytes ?? MaxEntryBytes);
            if (!Manifest.Sha256.TryGetValue(name, out var expected) || expected != Convert.ToHexString(SHA256.HashData(bytes)))
                throw Corrupted($"entry '{name}' does not match its checksum", null);
            return bytes;
        }

        public T ReadJson<T>(string name)
        {
            try
            {
                return JsonSerializer.Deserialize<T>(Read(name, MaxJsonBytes), JsonOptions) ?? throw Corrupted($"entry '{name}' is empty", null);
            }
            catch (JsonException e) { throw Corrupted($"entry '{name}' is not valid", e); }
        }

        /// <summary>
        /// Inflates an entry, refusing before inflating one that declares more than <paramref name="maxBytes"/> or more than
        /// <see cref="MaxCompressionRatio"/> times its compressed size, and stopping one that inflates past what it declared.
        /// </summary>
        private byte[] ReadEntry(ZipArchiveEntry entry, long maxBytes)
        {
            long declared = entry.Length;
            if (declared < 0 || declared > maxBytes)
                throw Corrupted($"entry '{entry.FullName}' declares {declared:N0} bytes; this kind of entry has at most {maxBytes:N0}", null);
            if (declared > MaxCompressionRatio * entry.CompressedLength + 4096)
                throw Corrupted($"entry '{entry.FullName}' declares {declared:N0} bytes from {entry.CompressedLength:N0} compressed; no saved model compresses that well", null);
            try
            {
                using var s = entry.Open();
                var bytes = new byte[declared];
                int read = 0;
                while (read < bytes.Length)
                {
                    int n = s.Read(bytes, read, bytes.Length - read);
                    if (n == 0) throw Corrupted($"entry '{entry.FullName}' ends after {read:N0} of its {declared:N0} bytes", null);
                    read += n;
                }
                if (s.ReadByte() != -1) throw Corrupted($"entry '{entry.FullName}' holds more than the {declared:N0} bytes it declares", null);
                return bytes;
            }
            catch (Exception e) when (e is IOException or NotSupportedException)
            {
                throw Corrupted($"entry '{entry.FullName}' cannot be read ({e.Message})", e);
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
            {
                throw Corrupted($"entry '{entry.FullName}' cannot be read ({e.Message})", e);
            }
        }

        public InvalidDataException Corrupted(string what, Exception? inner) =>
            new($"Model file {_source} is corrupted or truncated: {what}.", inner);

        public void Dispose() => _zip.Dispose();
    }

    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
