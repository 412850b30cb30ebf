using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the image sample (defaults and why: see <see cref="ImagesSample"/>).</summary>
public sealed class ImagesSettings : CommandSettings
{
    [CommandOption("--epochs <N>")] [Description("Training epochs.")] [DefaultValue(20)]
    public int Epochs { get; set; } = 20;

    [CommandOption("--width <W>")] [Description("ResNet-20 width multiplier.")] [DefaultValue(0.5)]
    public double Width { get; set; } = 0.5;

    [CommandOption("--rows <N>")] [Description("Training images (0: all 8,000).")] [DefaultValue(0)]
    public int Rows { get; set; }

    [CommandOption("--size <PIXELS>")] [Description("Image side after resizing: 28 or 32.")] [DefaultValue(28)]
    public int Size { get; set; } = 28;

    [CommandOption("--layer-wise")] [Description("Also train a layer-wise line.")]
    public bool LayerWise { get; set; }

    [CommandOption("--seed <S>")] [DefaultValue(0)]
    public int Seed { get; set; }

    [CommandOption("--bn-rows <N>")] [Description("Training rows BatchNorm statistics are recomputed over, per point.")] [DefaultValue(2000)]
    public int BatchNormRows { get; set; } = 2000;

    [CommandOption("--crop-padding <P>")] [Description("Random-crop padding in pixels.")] [DefaultValue(2)]
    public int CropPadding { get; set; } = 2;

    [CommandOption("--threads <T>")] [Description("libtorch threads (0: libtorch's default).")] [DefaultValue(1)]
    public int Threads { get; set; } = 1;

    public override ValidationResult Validate()
    {
        if (Epochs < 1) return ValidationResult.Error("--epochs must be at least 1.");
        if (!(Width > 0)) return ValidationResult.Error("--width must be positive.");
        if (Rows < 0) return ValidationResult.Error("--rows must be positive (0 = all).");
        if (Size is not (28 or 32)) return ValidationResult.Error("--size must be 28 or 32.");
        if (BatchNormRows < 1) return ValidationResult.Error("--bn-rows must be at least 1.");
        if (CropPadding < 0) return ValidationResult.Error("--crop-padding cannot be negative.");
        if (Threads < 0) return ValidationResult.Error("--threads cannot be negative (0 = libtorch's default).");
        return ValidationResult.Success();
    }
}
