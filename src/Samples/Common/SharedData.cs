namespace Subspaces.Samples.Common;

/// <summary>
/// Finds the shared data sets: walks up from the program's folder (and the working directory) to the folder
/// holding Subspaces.sln, then takes ../shared/data beside it. Nothing is ever downloaded.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> _root = new(Locate);

    /// <summary>The shared data folder.</summary>
    public static string Root => _root.Value;

    /// <summary>A path inside the shared data folder; throws <see cref="FileNotFoundException"/> naming it when absent.</summary>
    public static string File(params string[] parts)
    {
        var path = Path.Combine(new[] { Root }.Concat(parts).ToArray());
        if (!System.IO.File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Shared data file '{path}' is missing. See ../shared/data/README.md.", path);
        return path;
    }

    private static string Locate()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!System.IO.File.Exists(Path.Combine(dir.FullName, "Subspaces.sln"))) continue;
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                if (Directory.Exists(data)) return data;
                throw new DirectoryNotFoundException(
                    $"Found the repository at '{dir.FullName}' but no shared data at '{data}'. " +
                    "Clone the project next to its shared/ folder (the datasets are not downloaded at run time).");
            }
        }
        throw new DirectoryNotFoundException(
            $"Could not find Subspaces.sln above '{AppContext.BaseDirectory}' or '{Environment.CurrentDirectory}', so ../shared/data cannot be located.");
    }
}
