using Microsoft.ML.Subspaces.Data;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// Training data on disk for streaming (<c>mlContext.Subspaces().Data</c>): a file of rows that a streamed fit
/// (<c>ShuffleBufferRows</c>) reads every epoch at the cost of a copy per row. ML.NET's own binary format
/// (<c>mlContext.Data.SaveAsBinary</c>) compresses its blocks and decompresses them on one thread while reading, which on
/// a small network costs more than the training itself.
/// </summary>
public sealed class SubspaceDataOperations
{
    internal SubspaceDataOperations() { }

    /// <summary>
    /// Writes the features and the label of every row of <paramref name="data"/> to <paramref name="path"/>, uncompressed
    /// (4 bytes per feature and per label): the file is written whole under a temporary name and then renamed, so an
    /// interrupted save leaves no half-written file. Returns the number of rows written.
    /// </summary>
    /// <param name="data">The rows: a known-size vector of Single features and a Single (regression), Boolean (binary) or UInt32 key (multiclass) label.</param>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="featureColumnName">The features column.</param>
    /// <param name="labelColumnName">The label column; key values (text or numbers) are kept as text.</param>
    /// <param name="cancellationToken">Cancels the save; the partial file is removed.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of a type the file does not store (the message names it).</exception>
    public long SaveRows(IDataView data, string path, string featureColumnName = "Features", string labelColumnName = "Label",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return RowsFile.Save(data, path, featureColumnName, labelColumnName, cancellationToken);
    }

    /// <summary>
    /// The rows of a file written by <see cref="SaveRows"/> as an <see cref="IDataView"/> with the same column names; each
    /// cursor reads the file front to back in 1 MB chunks, so memory stays flat whatever the file's size.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a rows file, or is damaged or cut short (the message says which).</exception>
    public IDataView LoadRows(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new RowsFileDataView(path);
    }
}
