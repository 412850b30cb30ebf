using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the equal-budget ensemble table.</summary>
public sealed class BudgetSettings : CommandSettings
{
    [CommandOption("--epochs <B>")] [Description("Epochs of one standard fit: the budget unit B.")] [DefaultValue(20)]
    public int Epochs { get; set; } = 20;

    [CommandOption("--seeds <N>")] [DefaultValue(3)]
    public int Seeds { get; set; } = 3;

    [CommandOption("--out <FILE>")] [DefaultValue("budgets.md")]
    public string Output { get; set; } = "budgets.md";

    public override ValidationResult Validate() =>
        Epochs < 2 ? ValidationResult.Error("--epochs must be at least 2.")
        : Seeds < 1 ? ValidationResult.Error("--seeds must be at least 1.")
        : ValidationResult.Success();
}
