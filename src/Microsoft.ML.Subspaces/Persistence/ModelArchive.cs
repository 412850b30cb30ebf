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

    /// <summary>Writes entries and records their hashes; <see cref="Finish"/> writes the manifest.</summary>
    public sealed class Writer : IDisposable
    {
        private readonly ZipArchive _zip;
        public Manifest Manifest { get; } = new();

        public Writer(Stream stream) => _zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);

        public void Add(string name, byte[] content)
        {
            var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
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

        public Reader(Stream stream, string source)
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
            byte[] bytes = ReadEntry(entry);
            Manifest? manifest;
            try { manifest = JsonSerializer.Deserialize<Manifest>(bytes, JsonOptions); }
            catch (JsonException e) { throw Corrupted("its manifest is not valid", e); }
            if (manifest is null || manifest.Format != Format) throw Corrupted("its manifest names another format", null);
            if (manifest.Version > Version)
                throw new InvalidDataException($"Model file {_source} has format version {manifest.Version}; this library reads up to {Version}. Update Microsoft.ML.Subspaces.");
            Manifest = manifest;
        }

        public byte[] Read(string name)
        {
            var entry = _zip.GetEntry(name) ?? throw Corrupted($"entry '{name}' is missing", null);
            var bytes = ReadEntry(entry);
            if (!Manifest.Sha256.TryGetValue(name, out var expected) || expected != Convert.ToHexString(SHA256.HashData(bytes)))
                throw Corrupted($"entry '{name}' does not match its checksum", null);
            return bytes;
        }

        public T ReadJson<T>(string name)
        {
            try
            {
                return JsonSerializer.Deserialize<T>(Read(name), JsonOptions) ?? throw Corrupted($"entry '{name}' is empty", null);
            }
            catch (JsonException e) { throw Corrupted($"entry '{name}' is not valid", e); }
        }

        private byte[] ReadEntry(ZipArchiveEntry entry)
        {
            try
            {
                using var s = entry.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                return m.ToArray();
            }
            catch (InvalidDataException e) { throw Corrupted($"entry '{entry.FullName}' cannot be read ({e.Message})", e); }
        }

        public InvalidDataException Corrupted(string what, Exception? inner) =>
            new($"Model file {_source} is corrupted or truncated: {what}.", inner);

        public void Dispose() => _zip.Dispose();
    }

    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
