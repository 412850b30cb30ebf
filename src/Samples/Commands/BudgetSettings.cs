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

    [CommandOption("--validation")]
    [Description("Choose settings, not report them: train on the training rows but the last 2,000 and evaluate on those 2,000 (the test rows are never read).")]
    public bool Validation { get; set; }

    [CommandOption("--sse <SPEC>")]
    [Description("Snapshot Ensemble variants, comma-separated: cycles per budget unit B, optionally @ the restart learning rate and :w the first cycle's warm-up epochs (\"1\" = k cycles of B epochs at kB; \"2@0.1:w0\" = 2k cycles restarting at 0.1, no warm-up).")]
    [DefaultValue("1")]
    public string Sse { get; set; } = "1";

    [CommandOption("--sse-warmup-every-cycle")]
    [Description("Snapshot Ensembles warm up at every restart, not only in the first cycle.")]
    public bool SseWarmupEveryCycle { get; set; }

    [CommandOption("--methods <LIST>")]
    [Description("Comma-separated subset of single, independent, sse, fge, line, simplex (default all).")]
    public string? Methods { get; set; }

    internal IReadOnlyList<(int CyclesPerBudget, double? LearningRate, double? WarmupEpochs)> SseVariants() =>
        Sse.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
        {
            var warm = v.Split(":w");
            var parts = warm[0].Split('@');
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            return (int.Parse(parts[0], inv), parts.Length > 1 ? double.Parse(parts[1], inv) : (double?)null,
                warm.Length > 1 ? double.Parse(warm[1], inv) : (double?)null);
        }).ToList();

    internal bool Runs(string method) => Methods is null || Methods.Split(',', StringSplitOptions.TrimEntries).Contains(method);

    [CommandOption("--out <FILE>")] [DefaultValue("budgets.md")]
    public string Output { get; set; } = "budgets.md";

    public override ValidationResult Validate() =>
        Epochs < 2 ? ValidationResult.Error("--epochs must be at least 2.")
        : Seeds < 1 ? ValidationResult.Error("--seeds must be at least 1.")
        : Network is not ("mlp" or "convnet") ? ValidationResult.Error("--network must be mlp or convnet.")
        : TrainRows is < 100 or > 8000 ? ValidationResult.Error("--train-rows must be between 100 and 8000.")
        : !System.Text.RegularExpressions.Regex.IsMatch(Sse, @"^\s*\d+(@[0-9.]+)?(:w[0-9.]+)?(\s*,\s*\d+(@[0-9.]+)?(:w[0-9.]+)?)*\s*$") ? ValidationResult.Error($"--sse '{Sse}': expected cycles per budget unit, optionally @ a learning rate and :w warm-up epochs, comma-separated (for example 1,2@0.1:w0).")
        : Methods is not null && Methods.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(m => m is not ("single" or "independent" or "sse" or "fge" or "line" or "simplex")) is string bad
            ? ValidationResult.Error($"--methods: unknown method '{bad}' (single, independent, sse, fge, line, simplex).")
        : ValidationResult.Success();
}
