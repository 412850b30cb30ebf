using Subspaces.Samples;

// dotnet run --project src/Samples [command] [options]
//   (no command) | main   Standard vs line vs layer-wise line MLPs on the shared MNIST split (--label-noise F, --epochs N, --seed S)
//   curves                Segment vs fitted Bezier curve between two MLPs; single vs FGE vs SWA vs ensembles at one budget (--epochs N, --seed S)
//   connections           Training-free connections (Linear, Arc, OT, WA) between pairs of MLPs on the MNIST split (--epochs N, --seed S)
//   images                Standard vs line ResNet-20 on the MNIST PNGs through ML.NET ImageAnalytics (see ImagesSample.Options.Usage)
//   quality               Every classification data set, 3 seeds, clean and noisy labels, default options, next to LightGbm (see QualitySample.Usage)
var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "main";
if (command == "images") return ImagesSample.RunCommand(args.Skip(1).ToArray()); // parses its own options
if (command == "quality") return QualitySample.RunCommand(args.Skip(1).ToArray());
var options = SampleOptions.Parse(args.SkipWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray());
try
{
    return command switch
    {
        "main" => MainSample.Run(options),
        "curves" => CurvesSample.Run(options),
        "connections" => ConnectionsSample.Run(options),
        _ => Fail($"Unknown command '{command}'. Commands: main, curves, connections, images, quality."),
    };
}
catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException or ArgumentException)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
