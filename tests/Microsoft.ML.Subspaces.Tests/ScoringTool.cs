using System.Globalization;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// The test assembly's entry point, used by <see cref="PersistenceTests"/> to load a saved model in a fresh
/// process: <c>dotnet Microsoft.ML.Subspaces.Tests.dll score MODEL ROWS OUTPUT</c> loads MODEL, scores the
/// first ROWS rows of optdigits.tes and writes the positions and the bits of every score to OUTPUT.
/// (The test runner never calls this; the test SDK's generated empty Main is turned off in the project.)
/// </summary>
public static class ScoringTool
{
    public static int Main(string[] args)
    {
        if (args.Length != 4 || args[0] != "score")
        {
            Console.Error.WriteLine("usage: score MODEL ROWS OUTPUT");
            return 2;
        }
        var ml = new MLContext(seed: 123);
        var model = ml.Subspaces().Model.Load(args[1], out var inputSchema);
        var rows = TestData.Rows(TestData.OptdigitsTest, 0, int.Parse(args[2], CultureInfo.InvariantCulture));
        var data = ml.Data.LoadFromEnumerable(rows);
        if (inputSchema["Features"].Type.ToString() != data.Schema["Features"].Type.ToString())
        {
            Console.Error.WriteLine($"saved input schema has Features {inputSchema["Features"].Type}");
            return 3;
        }
        var scores = TestData.Scores(model.Transform(data));
        using var output = new StreamWriter(args[3]);
        output.WriteLine("positions " + string.Join(";", TestData.Subspace(model).Positions.Select(p => string.Join(",", p.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))));
        foreach (var row in scores)
            output.WriteLine(string.Join(" ", row.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture))));
        return 0;
    }

    /// <summary>Reads what <see cref="Main"/> wrote.</summary>
    public static (string Positions, float[][] Scores) ReadOutput(string path)
    {
        var lines = File.ReadAllLines(path);
        var scores = lines.Skip(1).Select(l => l.Split(' ').Select(h => BitConverter.Int32BitsToSingle(int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray()).ToArray();
        return (lines[0], scores);
    }
}
