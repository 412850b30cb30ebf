using Spectre.Console.Cli;
using Subspaces.Samples.Commands;

// dotnet run --project src/Samples -c Release -- [command] [options]; --help lists every command and option.
// Training on the CPU: shorten libgomp's busy-wait before TorchSharp loads (see OpenMpSpinTuning; the library never does it by itself).
Microsoft.ML.Subspaces.Runtime.OpenMpSpinTuning.Apply();
var app = new CommandApp<MainCommand>();
app.Configure(config =>
{
    config.SetApplicationName("dotnet run --project src/Samples -c Release --");
    config.UseStrictParsing(); // an unknown option is an error, not an ignored argument
    config.AddCommand<MainCommand>("main").WithDescription("Standard vs line vs layer-wise line MLPs on the shared MNIST split (the default).");
    config.AddCommand<CurvesCommand>("curves").WithDescription("Segment vs fitted Bezier curve between two MLPs; single vs FGE vs SWA vs ensembles at one budget.");
    config.AddCommand<ConnectionsCommand>("connections").WithDescription("Training-free connections (Linear, Arc, OT, WA) between pairs of MLPs on the MNIST split.");
    config.AddCommand<ConvConnectionsCommand>("conv-connections").WithDescription("Linear, OT+Linear (channels aligned) and OT+Linear+WA connections between pairs of MNIST ConvNets, BatchNorm recomputed at every point.");
    config.AddCommand<WidthStudyCommand>("width-study").WithDescription("Max accuracy loss along Linear, Arc, OT, WA (and learned-curve) paths for hidden widths 10-2000: no prior, dropout 0.5, Gaussian prior.");
    config.AddCommand<FlowConnectionsCommand>("flow-connections").WithDescription("Flow and Bijection connections (RealNVP on neurons, fitted on many small MNIST MLPs cached on disk) next to Linear, Arc and OT on new pairs.");
    config.AddCommand<ImagesCommand>("images").WithDescription("Standard vs line ResNet-20 on the MNIST PNGs through ML.NET ImageAnalytics (about 7.5 minutes).");
    config.AddCommand<BudgetCommand>("budgets").WithDescription("Independent ensembles, SSE, FGE, line and simplex ensembles at 1, 2 and 3 training budgets (MNIST-8k MLPs, three seeds).");
    config.AddCommand<AdultCommand>("adult").WithDescription("UCI Adult as binary classification: Standard, Line midpoint and endpoint ensemble next to LightGbm and FastTree.");
    config.AddCommand<WineQualityCommand>("wine-quality").WithDescription("UCI white wine quality as regression: Standard, Line midpoint and endpoint ensemble next to LightGbm and FastTree.");
    config.AddCommand<AdultHoursCommand>("adult-hours").WithDescription("UCI Adult's hours per week as regression (a second regression data set): the same comparison as wine-quality.");
    config.AddCommand<EarlyStoppingCommand>("early-stopping").WithDescription("A line on the MNIST split allowed 100 epochs, stopped early on 20% held-out training rows.");
    config.AddCommand<CorruptionCommand>("corruptions").WithDescription("Standard, line, layer-wise line, line ensemble and SWA on MNIST test images under five corruptions at five severities.");
    config.AddCommand<QualityCommand>("quality").WithDescription("Every classification data set, several seeds, clean and noisy labels, default options, next to LightGbm.");
    // A missing data set is a message, not a stack trace.
    config.SetExceptionHandler((exception, _) =>
    {
        Console.Error.WriteLine(exception is CommandAppException ? exception.Message : $"{exception.GetType().Name}: {exception.Message}");
        return 2;
    });
});
return app.Run(args);
