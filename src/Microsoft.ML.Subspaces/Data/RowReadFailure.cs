using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Data;

/// <summary>
/// Turns an exception thrown while an upstream transform produced a row (for example <c>LoadImages</c> on a
/// missing or unreadable file, whose message may not name it) into one that names the row and the text values of
/// that row (the image path is among them). ML.NET may read image pipelines with parallel workers, so the failing
/// row is found by a second, serial pass over the features column; this happens only after a failure.
/// </summary>
internal static class RowReadFailure
{
    /// <summary>True for exceptions an upstream transform may throw while reading a row (not cancellation, not out of memory).</summary>
    public static bool IsReadFailure(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);

    /// <summary>The exception to throw instead of <paramref name="failure"/>, raised while reading <paramref name="featureColumn"/> of <paramref name="data"/>.</summary>
    public static InvalidOperationException Wrap(IDataView data, string featureColumn, string role, Exception failure)
    {
        var (row, cause) = FindFailingRow(data, featureColumn);
        cause ??= failure;
        string where = row is long r ? $"row {r} of the {role} data" : $"the {role} data";
        string values = row is long rr ? DescribeRow(data, rr) : "";
        return new InvalidOperationException(
            $"Could not read {where} for features column '{featureColumn}'{values}: {cause.GetBaseException().Message} " +
            "If the features come from images, check that the file exists and is a readable image (LoadImages resolves relative paths against its imageFolder).",
            failure);
    }

    /// <summary>Reads the features column serially until a row fails; (null, null) when no row fails this time.</summary>
    private static (long? Row, Exception? Cause) FindFailingRow(IDataView data, string featureColumn)
    {
        try
        {
            var column = data.Schema[featureColumn];
            var cursors = data.GetRowCursorSet(new[] { column }, 1);
            using var cursor = cursors.Length == 1 ? cursors[0] : data.GetRowCursor(new[] { column });
            if (cursors.Length != 1) foreach (var c in cursors) c.Dispose();
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            for (long row = 0; ; row++)
            {
                try
                {
                    if (!cursor.MoveNext()) return (null, null);
                    getter(ref buffer);
                }
                catch (Exception e) when (IsReadFailure(e))
                {
                    return (row, e);
                }
            }
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            return (null, null);
        }
    }

    /// <summary>" (ImagePath = 'a/b.png', Label = '3')", read by a cursor over the text columns only; empty when that fails.</summary>
    private static string DescribeRow(IDataView data, long row)
    {
        try
        {
            var text = data.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType).ToList();
            if (text.Count == 0) return "";
            using var cursor = data.GetRowCursor(text);
            for (long i = 0; i <= row; i++)
                if (!cursor.MoveNext()) return "";
            var parts = new List<string>();
            foreach (var column in text)
            {
                ReadOnlyMemory<char> value = default;
                cursor.GetGetter<ReadOnlyMemory<char>>(column)(ref value);
                string s = value.ToString();
                parts.Add($"{column.Name} = '{(s.Length > 300 ? s[..300] + "..." : s)}'");
            }
            return " (" + string.Join(", ", parts) + ")";
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            return "";
        }
    }
}
