using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Persistence;

/// <summary>
/// Saves and loads fitted pipelines that contain this library's transformers, reached through
/// <c>mlContext.Subspaces().Model</c>. ML.NET 5 does not let outside assemblies write model state through
/// <c>mlContext.Model.Save</c>, so a pipeline is stored as one file holding ML.NET's own parts (saved by
/// ML.NET) and the subspace parts (weights and prediction options). Writes are atomic: a failed save leaves
/// any previous file as it was.
/// </summary>
public sealed partial class SubspaceModelOperations
{
    private readonly MLContext _context;
    internal SubspaceModelOperations(MLContext context) => _context = context;

    /// <summary>Saves <paramref name="model"/> (a transformer or a fitted pipeline) and the schema of its input to <paramref name="filePath"/>.</summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        WriteAtomically(filePath, Serialize(model, inputSchema));
    }

    /// <summary>
    /// Writes <paramref name="content"/> beside the target under a unique name, then moves it over the target: the target
    /// is never half-written, and concurrent writes to one path do not write into each other's file.
    /// </summary>
    internal static void WriteAtomically(string filePath, byte[] content)
    {
        string full = Path.GetFullPath(filePath);
        string directory = Path.GetDirectoryName(full)!;
        RemoveStaleTemporaryFiles(directory, Path.GetFileName(full));
        string temp = Path.Combine(directory, TemporaryPrefix(Path.GetFileName(full)) + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>How long a temporary file may go unwritten before a later save takes it for one a killed save left.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    private static string TemporaryPrefix(string fileName) => "." + fileName + ".";

    /// <summary>
    /// Deletes the temporary files of earlier saves to the same path that were killed mid-write (kill -9, power loss):
    /// those not written for <see cref="StaleAfter"/>. A save in progress writes its file continuously and is left alone.
    /// </summary>
    private static void RemoveStaleTemporaryFiles(string directory, string fileName)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, TemporaryPrefix(fileName) + "*.tmp"))
            {
                try
                {
                    if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleAfter) File.Delete(file);
                }
                catch (IOException) { } // in use or gone: not ours to remove
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (DirectoryNotFoundException) { } // the save itself reports a missing directory
    }

    /// <summary>Saves to a stream; nothing is written to it unless the whole model serialized.</summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Serialize(model, inputSchema));
    }

    /// <summary>Loads a model saved by <see cref="Save(ITransformer, DataViewSchema, string)"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at the path.</exception>
    /// <exception cref="InvalidDataException">The file is corrupted, truncated or not a model of this library.</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        DataViewSchema? schema = null;
        var model = ReadFile(filePath, (stream, source) => LoadArchive(stream, out schema, source));
        inputSchema = schema!;
        return model;
    }

    /// <summary>Opens a file this library wrote and reads it with <paramref name="read"/> (see <see cref="ReadUntrusted"/>).</summary>
    /// <exception cref="FileNotFoundException">No file at the path.</exception>
    internal static T ReadFile<T>(string filePath, Func<Stream, string, T> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        if (!File.Exists(filePath)) throw new FileNotFoundException($"Model file '{filePath}' does not exist.", filePath);
        using var stream = File.OpenRead(filePath);
        return ReadUntrusted(stream, $"'{filePath}'", read);
    }

    /// <summary>
    /// Reads a model file with <paramref name="read"/>. The file is untrusted input: every way it can be wrong ends as one
    /// exception type, <see cref="InvalidDataException"/>, naming the file (<paramref name="source"/>).
    /// </summary>
    internal static T ReadUntrusted<T>(Stream stream, string source, Func<Stream, string, T> read)
    {
        try { return read(stream, source); }
        catch (Exception e) when (e is not InvalidDataException and not OperationCanceledException)
        {
            throw new InvalidDataException($"Model file {source} is corrupted or truncated: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>Loads a model from a stream.</summary>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        DataViewSchema? schema = null;
        var model = ReadUntrusted(stream, "(stream)", (s, source) => LoadArchive(s, out schema, source));
        inputSchema = schema!;
        return model;
    }

    private byte[] Serialize(ITransformer model, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var transformers = Flatten(model).ToList();
        using var buffer = new MemoryStream();
        using (var writer = new ModelArchive.Writer(buffer))
        {
            writer.Manifest.IsChain = model is TransformerChain<ITransformer> || model.GetType().IsGenericType && model.GetType().GetGenericTypeDefinition() == typeof(TransformerChain<>);
            writer.Add("input.mlnet", SaveMlNet(new TransformerChain<ITransformer>(), inputSchema));
            var schema = inputSchema;
            var pending = new List<ITransformer>();
            var pendingSchema = schema;
            int part = 0;
            void FlushMlNet()
            {
                if (pending.Count == 0) return;
                string prefix = $"parts/{part++}/";
                writer.Add(prefix + "pipeline.mlnet", SaveMlNet(new TransformerChain<ITransformer>(pending.ToArray()), pendingSchema));
                writer.Manifest.Parts.Add(new ModelArchive.PartInfo { Kind = "mlnet", Prefix = prefix });
                pending.Clear();
            }
            foreach (var t in transformers)
            {
                if (t is ScorerTransformer scorer)
                {
                    FlushMlNet();
                    scorer.ThrowIfDisposed();
                    string prefix = $"parts/{part++}/";
                    string kind = ScorerFormats.Write(writer, prefix, scorer);
                    writer.Manifest.Parts.Add(new ModelArchive.PartInfo { Kind = kind, Prefix = prefix });
                }
                else
                {
                    if (pending.Count == 0) pendingSchema = schema;
                    pending.Add(t);
                }
                schema = t.GetOutputSchema(schema);
            }
            FlushMlNet();
            writer.Finish();
        }
        return buffer.ToArray();
    }

    private ITransformer LoadArchive(Stream stream, out DataViewSchema inputSchema, string source)
    {
        using var reader = new ModelArchive.Reader(stream, source);
        inputSchema = LoadMlNet(reader, "input.mlnet", out _);
        var parts = new List<ITransformer>();
        try
        {
            foreach (var part in reader.Manifest.Parts)
            {
                switch (part.Kind)
                {
                    case "mlnet":
                        LoadMlNet(reader, part.Prefix + "pipeline.mlnet", out var loaded);
                        parts.AddRange(Flatten(loaded));
                        break;
                    default:
                        ScorerTransformer? scorer;
                        try
                        {
                            if (!ScorerFormats.TryRead(part.Kind, reader, part.Prefix, out scorer))
                                throw reader.Corrupted($"it has a part of unknown kind '{part.Kind}' (written by a newer library?)", null);
                        }
                        // The formats check what they read; whatever a crafted file still gets past them is reported as
                        // what it is, a file that is not a valid model, never as a crash of the library.
                        catch (Exception e) when (e is not InvalidDataException and not OperationCanceledException)
                        {
                            throw reader.Corrupted($"part '{part.Prefix}' cannot be read ({e.GetType().Name}: {e.Message})", e);
                        }
                        parts.Add(scorer!);
                        break;
                }
            }
        }
        catch
        {
            foreach (var p in parts) (p as IDisposable)?.Dispose();
            throw;
        }
        if (!reader.Manifest.IsChain && parts.Count == 1) return parts[0];
        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    private byte[] SaveMlNet(ITransformer chain, DataViewSchema schema)
    {
        using var m = new MemoryStream();
        _context.Model.Save(chain, schema, m);
        return m.ToArray();
    }

    private DataViewSchema LoadMlNet(ModelArchive.Reader reader, string entry, out ITransformer model)
    {
        var bytes = reader.Read(entry);
        try
        {
            model = _context.Model.Load(new MemoryStream(bytes), out var schema);
            return schema;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw reader.Corrupted($"ML.NET could not load entry '{entry}' ({e.Message})", e);
        }
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain && model is not ScorerTransformer)
        {
            foreach (var t in chain)
                foreach (var inner in Flatten(t)) yield return inner;
        }
        else yield return model;
    }
}
