using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the binary and regression samples (adult, wine-quality).</summary>
public sealed class TaskSettings : CommandSettings
{
    [CommandOption("--seeds <N>")] [Description("Seeds of the networks (each row: mean and standard deviation over them).")] [DefaultValue(3)]
    public int Seeds { get; set; } = 3;

    [CommandOption("--epochs <N>")] [Description("Epochs of each network (default: the trainers' automatic budget).")]
    public int? Epochs { get; set; }

    [CommandOption("--lr <X>")] [Description("Learning rate (default: the trainers' default).")]
    public double? LearningRate { get; set; }

    [CommandOption("--huber <DELTA>")] [Description("Regression: Huber loss at this threshold (standard deviations of the label).")]
    public double? Huber { get; set; }

    [CommandOption("--beta <X>")] [Description("The line's cos^2 weight (default: the trainers' default).")]
    public double? Beta { get; set; }

    [CommandOption("--initial-cosine <C>")] [Description("The line's InitialPointCosine (default: the trainers' default).")]
    public double? InitialCosine { get; set; }

    [CommandOption("--no-center")] [Description("Turn center-preserving steps off.")]
    public bool NoCenter { get; set; }

    [CommandOption("--warmup <EPOCHS>")] [Description("Warm-up epochs (default: the trainers' default).")]
    public double? WarmupEpochs { get; set; }

    [CommandOption("--database")] [Description("adult: also train the line streamed from a SQLite copy of the training rows (DatabaseLoader, ShuffleBufferRows 4096).")]
    public bool Database { get; set; }

    [CommandOption("--validation")] [Description("Train on 80% of the training rows and score the other 20% (where defaults are chosen), not the test rows.")]
    public bool Validation { get; set; }

    [CommandOption("--split-seed <N>")] [Description("With --validation: the seed of the 80/20 split of the training rows.")] [DefaultValue(7)]
    public int SplitSeed { get; set; } = 7;

    public override ValidationResult Validate() =>
        Seeds < 1 ? ValidationResult.Error("--seeds must be at least 1.")
        : Epochs is < 1 ? ValidationResult.Error("--epochs must be at least 1.")
        : ValidationResult.Success();
}
