using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the MNIST samples (main, curves, connections).</summary>
public class SampleSettings : CommandSettings
{
    [CommandOption("--epochs <N>")]
    [Description("Training epochs of each model.")]
    [DefaultValue(20)]
    public int Epochs { get; set; } = 20;

    [CommandOption("--seed <S>")]
    [Description("Seed of the MLContext (every model's seed derives from it).")]
    [DefaultValue(0)]
    public int Seed { get; set; }

    public override ValidationResult Validate() =>
        Epochs < 1 ? ValidationResult.Error("--epochs must be at least 1.") : ValidationResult.Success();
}

/// <summary>Options of the main sample.</summary>
public sealed class MainSettings : SampleSettings
{
    [CommandOption("--label-noise <F>")]
    [Description("Fraction of training labels replaced by uniform random classes (fixed seed, training split only).")]
    [DefaultValue(0.0)]
    public double LabelNoise { get; set; }

    public override ValidationResult Validate() =>
        !(LabelNoise >= 0 && LabelNoise <= 1) ? ValidationResult.Error("--label-noise must be in [0, 1].") : base.Validate();
}

/// <summary>Options of the early-stopping sample.</summary>
public sealed class EarlyStoppingSettings : SampleSettings
{
    [CommandOption("--patience <N>")]
    [Description("EarlyStoppingPatience: epochs without a lower validation loss at the center before a plateau (a drop, then a stop).")]
    [DefaultValue(5)]
    public int Patience { get; set; } = 5;

    [CommandOption("--lr-drops <N>")]
    [Description("EarlyStoppingLearningRateDrops: plateaus that go back to the best weights at a tenth of the learning rate before one stops the fit.")]
    [DefaultValue(2)]
    public int LearningRateDrops { get; set; } = 2;

    [CommandOption("--dataset <NAME>")]
    [Description("mnist (MNIST-8k and its 2,000 test rows) or optdigits (UCI optdigits, 3,823 training and 1,797 test rows).")]
    [DefaultValue("mnist")]
    public string Dataset { get; set; } = "mnist";

    [CommandOption("--validation")]
    [Description("Score 20% of the training rows instead of the test rows (where the early-stopping criterion was chosen).")]
    public bool Validation { get; set; }

    [CommandOption("--split-seed <N>")]
    [Description("With --validation: the seed of the 80/20 split of the training rows.")]
    [DefaultValue(7)]
    public int SplitSeed { get; set; } = 7;

    public override ValidationResult Validate() =>
        Patience < 1 ? ValidationResult.Error("--patience must be at least 1.")
        : LearningRateDrops < 0 ? ValidationResult.Error("--lr-drops must be at least 0.")
        : Dataset is not ("mnist" or "optdigits") ? ValidationResult.Error($"--dataset must be mnist or optdigits, not '{Dataset}'.")
        : base.Validate();
}
