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

    [CommandOption("--network <KIND>")] [Description("mlp (default: the MNIST-8k MLP) or convnet (the library's ConvNet on the same images, 1x28x28).")] [DefaultValue("mlp")]
    public string Network { get; set; } = "mlp";

    [CommandOption("--train-rows <N>")] [Description("Training rows: the first N of the 8,000 (default all); the test rows are always the last 2,000.")]
    public int? TrainRows { get; set; }

    [CommandOption("--out <FILE>")] [DefaultValue("budgets.md")]
    public string Output { get; set; } = "budgets.md";

    public override ValidationResult Validate() =>
        Epochs < 2 ? ValidationResult.Error("--epochs must be at least 2.")
        : Seeds < 1 ? ValidationResult.Error("--seeds must be at least 1.")
        : Network is not ("mlp" or "convnet") ? ValidationResult.Error("--network must be mlp or convnet.")
        : TrainRows is < 100 or > 8000 ? ValidationResult.Error("--train-rows must be between 100 and 8000.")
        : ValidationResult.Success();
}
