using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the width study of training-free connections.</summary>
public sealed class WidthStudySettings : SampleSettings
{
    [CommandOption("--widths <LIST>")] [Description("Hidden widths of the one-hidden-layer MLPs, comma-separated.")] [DefaultValue("10,50,100,500,1000,2000")]
    public string Widths { get; set; } = "10,50,100,500,1000,2000";

    [CommandOption("--pairs <N>")] [Description("Pairs of independently trained networks per cell.")] [DefaultValue(3)]
    public int Pairs { get; set; } = 3;

    [CommandOption("--no-curves")] [Description("Leave out Garipov's learned curve (it trains a bend per pair, about one more fit).")]
    public bool NoCurves { get; set; }

    [CommandOption("--methods <LIST>")] [Description("Only these rows, comma-separated (for example \"Linear,Garipov (5)\"); default every method.")]
    public string? Methods { get; set; }

    /// <summary>The methods asked for, or null for all.</summary>
    public string[]? MethodList => Methods?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [CommandOption("--out <FILE>")] [DefaultValue("width-study.md")]
    public string Output { get; set; } = "width-study.md";

    /// <summary>The parsed widths.</summary>
    public int[] WidthList => Widths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

    public override ValidationResult Validate()
    {
        if (Pairs < 1) return ValidationResult.Error("--pairs must be at least 1.");
        foreach (var w in Widths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!int.TryParse(w, out int n) || n < 1) return ValidationResult.Error($"--widths: '{w}' is not a positive integer.");
        return base.Validate();
    }
}
