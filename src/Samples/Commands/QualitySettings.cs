using Microsoft.ML.Subspaces.Networks;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Subspaces.Samples.Commands;

/// <summary>Options of the quality benchmark (see <see cref="QualitySample"/>); lists are comma-separated.</summary>
public sealed class QualitySettings : CommandSettings
{
    [CommandOption("--datasets <LIST>")] [Description("Data sets: mnist, optdigits, adult, mnist-4x4, wine, mnist-png, ...")] [DefaultValue("mnist,optdigits,adult,mnist-4x4,mnist-png")]
    public string Datasets { get; set; } = "mnist,optdigits,adult,mnist-4x4,mnist-png";

    [CommandOption("--seeds <N>")] [DefaultValue(3)]
    public int Seeds { get; set; } = 3;

    [CommandOption("--first-seed <S>")] [DefaultValue(0)]
    public int FirstSeed { get; set; }

    [CommandOption("--merge <FILES>")] [Description("Merge the .tsv results of earlier runs into one table instead of training.")]
    public string? Merge { get; set; }

    [CommandOption("--noise <LIST>")] [Description("Label-noise fractions of the training rows.")] [DefaultValue("0,0.2")]
    public string Noise { get; set; } = "0,0.2";

    [CommandOption("--models <LIST>")] [Description("Models (default: all).")]
    public string? Models { get; set; }

    [CommandOption("--validation")] [Description("Train on 80% of the training rows and score the other 20% (the split defaults were chosen on).")]
    public bool Validation { get; set; }

    [CommandOption("--grid")] [Description("Add the standard network over learning rate x budget (3 x 3 around the defaults).")]
    public bool Grid { get; set; }

    [CommandOption("--out <FILE>")] [DefaultValue("quality.md")]
    public string Output { get; set; } = "quality.md";

    [CommandOption("--threads <T>")]
    public int? Threads { get; set; }

    [CommandOption("--train-rows <N>")] [Description("Train on a seeded random subset of N of each data set's training rows (small-data budgets).")]
    public int? TrainRows { get; set; }

    [CommandOption("--lr <X>")]
    public double? LearningRate { get; set; }

    [CommandOption("--epochs <N>")]
    public int? Epochs { get; set; }

    [CommandOption("--batch <N>")]
    public int? BatchSize { get; set; }

    [CommandOption("--beta <X>")]
    public double? Beta { get; set; }

    [CommandOption("--initial-cosine <C>")]
    [Description("The subspace trainers' InitialPointCosine (default: the trainers' automatic value, 0.5 for classification).")]
    public double? InitialCosine { get; set; }

    [CommandOption("--no-standardize")]
    public bool NoStandardize { get; set; }

    [CommandOption("--no-center")]
    public bool NoCenter { get; set; }

    [CommandOption("--hidden <LIST>")] [Description("MLP hidden widths, for example 512,512.")]
    public string? Hidden { get; set; }

    [CommandOption("--warmup <EPOCHS>")]
    public double? WarmupEpochs { get; set; }

    [CommandOption("--weight-decay <X>")]
    public double? WeightDecay { get; set; }

    [CommandOption("--label-smoothing <X>")]
    public double? LabelSmoothing { get; set; }

    [CommandOption("--image-network <NAME>")] [Description("The network of the image data sets: convnet (default) or resnet20.")]
    public string? ImageNetwork { get; set; }

    public override ValidationResult Validate()
    {
        foreach (var d in List(Datasets))
            if (!QualityDatasets.Names.Contains(d)) return ValidationResult.Error($"Unknown data set '{d}'. Data sets: {string.Join(", ", QualityDatasets.Names)}.");
        foreach (var m in List(Models))
            if (!QualitySample.Models.Contains(m)) return ValidationResult.Error($"Unknown model '{m}'. Models: {string.Join(", ", QualitySample.Models)}.");
        if (ImageNetwork is not null && ImageNetwork is not ("convnet" or "resnet20"))
            return ValidationResult.Error($"--image-network must be convnet or resnet20; got '{ImageNetwork}'.");
        if (Seeds < 1) return ValidationResult.Error("--seeds must be at least 1.");
        if (TrainRows is < 10) return ValidationResult.Error("--train-rows must be at least 10.");
        foreach (var n in List(Noise))
            if (!double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v >= 0 && v < 1))
                return ValidationResult.Error($"--noise values must be numbers in [0, 1); got '{n}'.");
        foreach (var h in List(Hidden))
            if (!int.TryParse(h, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) || w < 1)
                return ValidationResult.Error($"--hidden widths must be positive integers; got '{h}'.");
        return ValidationResult.Success();
    }

    public QualitySample.Options ToOptions()
    {
        var models = List(Models);
        return new QualitySample.Options
        {
            Datasets = List(Datasets),
            Seeds = Seeds,
            FirstSeed = FirstSeed,
            Merge = List(Merge),
            Noise = List(Noise).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
            Models = models.Length == 0 ? QualitySample.Models : models,
            Validation = Validation,
            Grid = Grid,
            Output = Output,
            Threads = Threads,
            TrainRows = TrainRows,
            LearningRate = LearningRate,
            Epochs = Epochs,
            ImageNetwork = ImageNetwork switch { "resnet20" => NetworkArchitecture.ResNet20, "convnet" => NetworkArchitecture.ConvNet, _ => null },
            BatchSize = BatchSize,
            Beta = Beta,
            InitialCosine = InitialCosine,
            Standardize = NoStandardize ? false : null,
            CenterPreserving = NoCenter ? false : null,
            Hidden = Hidden is null ? null : List(Hidden).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
            WarmupEpochs = WarmupEpochs,
            WeightDecay = WeightDecay,
            LabelSmoothing = LabelSmoothing,
        };
    }

    private static string[] List(string? value) =>
        value is null ? Array.Empty<string>() : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
