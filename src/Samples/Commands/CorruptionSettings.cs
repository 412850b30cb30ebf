using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the corruption-robustness sample.</summary>
public sealed class CorruptionSettings : CommandSettings
{
    [CommandOption("--network <KIND>")] [Description("convnet (default, as the issue asks) or mlp.")] [DefaultValue("convnet")]
    public string Network { get; set; } = "convnet";

    [CommandOption("--epochs <N>")] [Description("Epochs of every model (default: the trainers' automatic budget).")]
    public int? Epochs { get; set; }

    [CommandOption("--seed <S>")] [DefaultValue(0)]
    public int Seed { get; set; }

    public override ValidationResult Validate() =>
        Network is not ("convnet" or "mlp") ? ValidationResult.Error("--network must be convnet or mlp.")
        : Epochs is < 1 ? ValidationResult.Error("--epochs must be at least 1.")
        : ValidationResult.Success();
}
