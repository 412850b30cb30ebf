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
    [Description("Epochs without a better validation accuracy at the center before the fit stops.")]
    [DefaultValue(5)]
    public int Patience { get; set; } = 5;

    [CommandOption("--validation")]
    [Description("Score 20% of the training rows instead of the test rows (where the patience is chosen).")]
    public bool Validation { get; set; }

    [CommandOption("--split-seed <N>")]
    [Description("With --validation: the seed of the 80/20 split of the training rows.")]
    [DefaultValue(7)]
    public int SplitSeed { get; set; } = 7;

    public override ValidationResult Validate() =>
        Patience < 1 ? ValidationResult.Error("--patience must be at least 1.") : base.Validate();
}
