using Microsoft.ML;
using Microsoft.ML.Subspaces.Evaluation;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;
using Subspaces.Samples.Terminal;

namespace Subspaces.Samples;

/// <summary>
/// The main sample: Standard, Line and layer-wise Line MLPs (784-512-512-10) on the shared MNIST split (first 8,000 rows
/// train, last 2,000 test), the recipe of ../shared/anchors/torch_subspace_mnist.py, and one table of accuracy, log-loss
/// and ECE (20 bins) with seconds per training epoch. Timing comparisons are the benchmark's job
/// (tests/Microsoft.ML.Subspaces.Benchmarks -- --quick).
/// </summary>
public static class MainSample
{
    public static int Run(MainSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        if (options.LabelNoise > 0)
            train = train.WithLabels(LabelNoise.Inject(train.Labels, options.LabelNoise, 10, seed: 1234));
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; label noise {options.LabelNoise:P0} (training split only); " +
                          $"{options.Epochs} epochs, batch 128, SGD lr 0.05 momentum 0.9 cosine, weight decay 1e-4, beta 1; seed {options.Seed}.");
        Console.WriteLine();

        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        SubspaceTransformer Fit<TOptions>(string name, TOptions o, Func<TOptions, SubspaceTrainer> trainer) where TOptions : NeuralNetworkTrainerOptions =>
            TrainingProgressBar.Run(name, o, train.Count, () => trainer(o).Fit(trainData));

        using var standard = Fit("standard", new StandardTrainerOptions { Epochs = options.Epochs }, ml.Subspaces().Trainers.Standard);
        using var standard2 = Fit("standard (2nd seed)", new StandardTrainerOptions { Epochs = options.Epochs }, ml.Subspaces().Trainers.Standard);
        using var line = Fit("line", new LineTrainerOptions { Epochs = options.Epochs }, ml.Subspaces().Trainers.Line);
        using var layerWise = Fit("layer-wise line", new LineTrainerOptions { Epochs = options.Epochs, LayerWise = true }, ml.Subspaces().Trainers.Line);

        var table = new ModelTable(ml, testData);
        table.Add("standard", standard, standard);
        using (var independent = ml.Subspaces().Ensemble(standard, standard2)) table.Add("independent ensemble (2 standard)", independent);
        table.AddLine("line", line);
        table.AddLine("layer-wise line", layerWise);
        Console.WriteLine();
        table.Print();
        Console.WriteLine();
        using (var atA = line.WithPoint(0.3))
        using (var endpoints = line.WithEnsemble(SubspaceEnsemble.Endpoints))
            OnnxCheck.Print(ml, testData, ("line midpoint", line), ("line at a = 0.3", atA), ("line endpoint ensemble", endpoints));
        return 0;
    }
}
