using Microsoft.ML;
using Microsoft.ML.Subspaces.Experiments;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Robustness to input corruption, as Wortsman et al. measure it on ImageNet-C: Standard, Line midpoint, layer-wise Line
/// midpoint, Line endpoint ensemble and SWA trained on the MNIST split (clean), scored on the test images under Gaussian
/// noise, blur, contrast, a snow-like overlay and pixelation at severities 1 to 5 (the library's deterministic
/// corruptions, seed fixed). Prints accuracy per corruption (mean over severities) and per severity (mean over corruptions).
/// </summary>
public static class CorruptionSample
{
    public static int Run(CorruptionSettings settings)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        var ml = new MLContext(seed: settings.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        var imageShape = new[] { 1, 28, 28 };
        var network = settings.Network == "mlp" ? NetworkArchitecture.Mlp : NetworkArchitecture.ConvNet;
        Console.WriteLine($"MNIST split: {train.Count} training rows (clean), {test.Count} test rows corrupted five ways at five severities; {network}, seed {settings.Seed}.");
        T Configure<T>(T o) where T : NeuralNetworkTrainerOptions
        {
            o.Network = network;
            if (network != NetworkArchitecture.Mlp) o.ImageShape = imageShape;
            o.Epochs = settings.Epochs;
            o.Seed = settings.Seed;
            return o;
        }
        using var standard = ml.Subspaces().Trainers.Standard(Configure(new StandardTrainerOptions())).Fit(trainData);
        using var line = ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions())).Fit(trainData);
        using var layerWise = ml.Subspaces().Trainers.Line(Configure(new LineTrainerOptions { LayerWise = true })).Fit(trainData);
        using var ends = line.WithEnsemble(SubspaceEnsemble.Endpoints);
        using var swa = ml.Subspaces().Trainers.StochasticWeightAveraging(Configure(new StochasticWeightAveragingOptions())).Fit(trainData);
        var models = new (string, ScorerTransformer)[]
        {
            ("standard", standard), ("line midpoint", line), ("layer-wise line midpoint", layerWise), ("line endpoint ensemble", ends), ("SWA", swa),
        };
        var rows = ml.Subspaces().Experiments.CorruptionRobustness(models, testData, seed: 1234, imageShape: imageShape);

        var corruptions = Enum.GetValues<ImageCorruption>();
        Console.WriteLine();
        Console.WriteLine($"{"accuracy (%), mean over severities 1-5",-40}{"clean",8}{string.Concat(corruptions.Select(c => $"{c,15}"))}{"mean",8}");
        foreach (var (name, _) in models)
        {
            var mine = rows.Where(r => r.Model == name).ToList();
            double clean = mine.Single(r => r.Corruption is null).Accuracy * 100;
            var perCorruption = corruptions.Select(c => mine.Where(r => r.Corruption == c).Average(r => r.Accuracy) * 100).ToArray();
            Console.WriteLine($"{name,-40}{clean,8:F2}{string.Concat(perCorruption.Select(v => $"{v,15:F2}"))}{perCorruption.Average(),8:F2}");
        }
        Console.WriteLine();
        Console.WriteLine($"{"accuracy (%), mean over corruptions",-40}{string.Concat(Enumerable.Range(1, 5).Select(s => $"{"severity " + s,12}"))}");
        foreach (var (name, _) in models)
        {
            var mine = rows.Where(r => r.Model == name && r.Corruption is not null).ToList();
            Console.WriteLine($"{name,-40}{string.Concat(Enumerable.Range(1, 5).Select(s => $"{mine.Where(r => r.Severity == s).Average(r => r.Accuracy) * 100,12:F2}"))}");
        }
        return 0;
    }
}
