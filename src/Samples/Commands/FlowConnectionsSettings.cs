using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the Flow and Bijection connections sample.</summary>
public sealed class FlowConnectionsSettings : SampleSettings
{
    [CommandOption("--widths <LIST>")] [Description("Hidden widths of the one-hidden-layer MLPs, comma-separated (a column each).")] [DefaultValue("10,50,100")]
    public string Widths { get; set; } = "10,50,100";

    /// <summary>The parsed widths.</summary>
    public int[] WidthList => Widths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

    [CommandOption("--networks <N>")] [Description("Networks the Flow and the Bijection are fitted on.")] [DefaultValue(16)]
    public int Networks { get; set; } = 16;

    [CommandOption("--pairs <N>")] [Description("New pairs (networks not used in the fits) the connections are evaluated on.")] [DefaultValue(3)]
    public int Pairs { get; set; } = 3;

    [CommandOption("--flow-epochs <N>")] [Description("Flow: passes over the pooled neurons.")] [DefaultValue(100)]
    public int FlowEpochs { get; set; } = 100;

    [CommandOption("--bijection-steps <N>")] [Description("Bijection: optimizer steps on pairs, points and batches.")] [DefaultValue(1000)]
    public int BijectionSteps { get; set; } = 1000;

    [CommandOption("--cache <DIR>")] [Description("Where the trained networks are kept between runs.")] [DefaultValue("artifacts/flow-networks")]
    public string Cache { get; set; } = "artifacts/flow-networks";

    [CommandOption("--out <FILE>")] [DefaultValue("flow-connections.md")]
    public string Output { get; set; } = "flow-connections.md";

    public override ValidationResult Validate() =>
        Widths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is var ws && (ws.Length == 0 || ws.Any(w => !int.TryParse(w, out int n) || n < 1))
            ? ValidationResult.Error($"--widths: '{Widths}' is not a comma-separated list of positive integers.")
        : Networks < 2 ? ValidationResult.Error("--networks must be at least 2.")
        : Pairs < 1 ? ValidationResult.Error("--pairs must be at least 1.")
        : FlowEpochs < 1 ? ValidationResult.Error("--flow-epochs must be at least 1.")
        : BijectionSteps < 1 ? ValidationResult.Error("--bijection-steps must be at least 1.")
        : base.Validate();
}
