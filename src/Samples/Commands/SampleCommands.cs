using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Standard vs line vs layer-wise line MLPs on the shared MNIST split (the default command).</summary>
public sealed class MainCommand : Command<MainSettings>
{
    public override int Execute(CommandContext context, MainSettings settings, CancellationToken cancellationToken) => MainSample.Run(settings);
}

/// <summary>Segment vs fitted Bezier curve between two MLPs; single vs FGE vs SWA vs ensembles at one budget.</summary>
public sealed class CurvesCommand : Command<SampleSettings>
{
    public override int Execute(CommandContext context, SampleSettings settings, CancellationToken cancellationToken) => CurvesSample.Run(settings);
}

/// <summary>Training-free connections (Linear, Arc, OT, WA) between pairs of MLPs on the MNIST split.</summary>
public sealed class ConnectionsCommand : Command<SampleSettings>
{
    public override int Execute(CommandContext context, SampleSettings settings, CancellationToken cancellationToken) => ConnectionsSample.Run(settings);
}

/// <summary>Standard vs line ResNet-20 on the MNIST PNGs through ML.NET ImageAnalytics.</summary>
public sealed class ImagesCommand : Command<ImagesSettings>
{
    public override int Execute(CommandContext context, ImagesSettings settings, CancellationToken cancellationToken) => ImagesSample.Run(settings);
}

/// <summary>Every classification data set, several seeds, clean and noisy labels, default options, next to LightGbm.</summary>
public sealed class QualityCommand : Command<QualitySettings>
{
    public override int Execute(CommandContext context, QualitySettings settings, CancellationToken cancellationToken) => QualitySample.Run(settings.ToOptions());
}

/// <summary>Independent ensembles, SSE, FGE, line and simplex ensembles at 1, 2 and 3 training budgets.</summary>
public sealed class BudgetCommand : Command<BudgetSettings>
{
    public override int Execute(CommandContext context, BudgetSettings settings, CancellationToken cancellationToken) => BudgetSample.Run(settings);
}

/// <summary>UCI Adult as binary classification: Standard, Line midpoint and endpoint ensemble next to LightGbm and FastTree.</summary>
public sealed class AdultCommand : Command<TaskSettings>
{
    public override int Execute(CommandContext context, TaskSettings settings, CancellationToken cancellationToken) => TabularTaskSamples.Adult(settings);
}

/// <summary>UCI white wine quality as regression: Standard, Line midpoint and endpoint ensemble next to LightGbm and FastTree.</summary>
public sealed class WineQualityCommand : Command<TaskSettings>
{
    public override int Execute(CommandContext context, TaskSettings settings, CancellationToken cancellationToken) => TabularTaskSamples.WineQuality(settings);
}

/// <summary>UCI Adult's hours per week as regression: the wine-quality comparison on a second regression data set.</summary>
public sealed class AdultHoursCommand : Command<TaskSettings>
{
    public override int Execute(CommandContext context, TaskSettings settings, CancellationToken cancellationToken) => TabularTaskSamples.AdultHours(settings);
}

/// <summary>Early stopping of a line on the MNIST split with 100 epochs allowed.</summary>
public sealed class EarlyStoppingCommand : Command<EarlyStoppingSettings>
{
    public override int Execute(CommandContext context, EarlyStoppingSettings settings, CancellationToken cancellationToken) => EarlyStoppingSample.Run(settings);
}

/// <summary>Robustness to input corruption: MNIST test images with five corruptions at five severities.</summary>
public sealed class CorruptionCommand : Command<CorruptionSettings>
{
    public override int Execute(CommandContext context, CorruptionSettings settings, CancellationToken cancellationToken) => CorruptionSample.Run(settings);
}

/// <summary>Max accuracy loss along training-free paths across hidden widths, without a prior, with dropout, with a Gaussian prior.</summary>
public sealed class WidthStudyCommand : Command<WidthStudySettings>
{
    public override int Execute(CommandContext context, WidthStudySettings settings, CancellationToken cancellationToken) => WidthStudySample.Run(settings);
}

/// <summary>Linear and OT+Linear connections between ConvNets (filters as neurons, BatchNorm recomputed per point).</summary>
public sealed class ConvConnectionsCommand : Command<ConvConnectionsSettings>
{
    public override int Execute(CommandContext context, ConvConnectionsSettings settings, CancellationToken cancellationToken) => ConvConnectionsSample.Run(settings);
}

/// <summary>Flow and Bijection connections fitted on many small MLPs, next to Linear, Arc and OT on new pairs.</summary>
public sealed class FlowConnectionsCommand : Command<FlowConnectionsSettings>
{
    public override int Execute(CommandContext context, FlowConnectionsSettings settings, CancellationToken cancellationToken) => FlowConnectionsSample.Run(settings);
}
