using System.Globalization;
using Subspaces.Samples.Report;

// dotnet run -c Release --project src/Samples/Report -- [--epochs N] [--out DIR] [--seed S]
Microsoft.ML.Subspaces.Runtime.OpenMpSpinTuning.Apply(); // before TorchSharp loads, as the samples do
int epochs = 20, seed = 0;
string? output = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
    switch (args[i])
    {
        case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": output = Next(); break;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}'. Options: --epochs N (default 20; 4 for a quick look), --out DIR, --seed S.");
            return 2;
    }
}
if (epochs < 4) { Console.Error.WriteLine("--epochs must be at least 4."); return 2; }
output ??= Path.Combine(Environment.CurrentDirectory, "subspaces-report-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
return ComparisonReport.Run(epochs, seed, Path.GetFullPath(output));
