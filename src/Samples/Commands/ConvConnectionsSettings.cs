using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the connections between ConvNets.</summary>
public sealed class ConvConnectionsSettings : SampleSettings
{
    [CommandOption("--pairs <N>")] [Description("Pairs of independently trained ConvNets.")] [DefaultValue(3)]
    public int Pairs { get; set; } = 3;

    [CommandOption("--train-rows <N>")] [Description("Training rows: the first N of the 8,000 (default all); the test rows are always the last 2,000.")]
    public int? TrainRows { get; set; }

    public override ValidationResult Validate() =>
        Pairs < 1 ? ValidationResult.Error("--pairs must be at least 1.")
        : TrainRows is < 100 or > 8000 ? ValidationResult.Error("--train-rows must be between 100 and 8000.")
        : base.Validate();
}
