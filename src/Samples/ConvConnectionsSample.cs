using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Subspaces;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;
using Subspaces.Samples.Commands;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// Training-free connections between convolutional networks (Anokhin and Yarotsky's Conv rows, on the library's
/// ConvNet): pairs of ConvNets trained independently on the MNIST split, joined by the straight segment (Linear) and by
/// the segment to the second network with its channels aligned to the first's (OT+Linear, filters as neurons) and by
/// weight adjustment after the alignment (OT+Linear+WA: block by block, the next layer re-solved by least squares at every
/// point), BatchNorm statistics recomputed at every point; the worst test accuracy over 61 points against the endpoints'.
/// </summary>
public static class ConvConnectionsSample
{
    public static int Run(ConvConnectionsSettings options)
    {
        var (train, test) = DigitDatasets.MnistSplit();
        if (options.TrainRows is int trainRows) train = train.Slice(0, trainRows);
        var ml = new MLContext(seed: options.Seed);
        var (trainData, testData) = ml.ToKeyedDataViews(train, test);
        Console.WriteLine($"MNIST split: {train.Count} train rows, {test.Count} test rows; the library's ConvNet on 1x28x28 images, {options.Epochs} epochs, " +
                          $"default options; {options.Pairs} pair(s); 61 points per path, BatchNorm statistics recomputed at each.");
        var clock = Stopwatch.StartNew();
        var rows = new List<(double A, double B, double Linear, double Aligned, double Adjusted)>();
        for (int pair = 0; pair < options.Pairs; pair++)
        {
            using var a = Train(ml, trainData, options, pair, 0);
            using var b = Train(ml, trainData, options, pair, 1);
            using var segment = ml.Subspaces().Segment(a, b);
            var linear = ml.Subspaces().EvaluatePath(segment, testData, 61);
            var align = Stopwatch.StartNew();
            using var aligned = ml.Subspaces().Connections.AlignChannels(a, b);
            double alignSeconds = align.Elapsed.TotalSeconds;
            using var alignedSegment = ml.Subspaces().Segment(a, aligned);
            var ot = ml.Subspaces().EvaluatePath(alignedSegment, testData, 61);
            var adjust = Stopwatch.StartNew();
            using var adjusted = ml.Subspaces().Connections.WeightAdjustedConvNets(a, b, trainData);
            double buildSeconds = adjust.Elapsed.TotalSeconds;
            var wa = ml.Subspaces().EvaluatePath(adjusted, testData, 61);
            double waSeconds = adjust.Elapsed.TotalSeconds;
            rows.Add((linear.Start.Accuracy, linear.End.Accuracy, linear.Worst.Accuracy, ot.Worst.Accuracy, wa.Worst.Accuracy));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed.TotalMinutes:F1} min] pair {pair}: ends {linear.Start.Accuracy * 100:F2}% / {linear.End.Accuracy * 100:F2}%; worst Linear {linear.Worst.Accuracy * 100:F2}% at t={linear.Worst.T:F3}, " +
                $"OT+Linear {ot.Worst.Accuracy * 100:F2}% at t={ot.Worst.T:F3} (alignment {alignSeconds:F2}s), " +
                $"OT+Linear+WA {wa.Worst.Accuracy * 100:F2}% at t={wa.Worst.T:F3} (built in {buildSeconds:F1}s, 61 points in {waSeconds:F0}s)"));
        }
        Console.WriteLine();
        Console.WriteLine("| pair | endpoints' mean % | Linear worst % | OT+Linear worst % | OT+Linear+WA worst % |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < rows.Count; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {i} | {(rows[i].A + rows[i].B) * 50:F2} | {rows[i].Linear * 100:F2} | {rows[i].Aligned * 100:F2} | {rows[i].Adjusted * 100:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| mean | {rows.Average(r => (r.A + r.B) * 50):F2} | {rows.Average(r => r.Linear * 100):F2} | {rows.Average(r => r.Aligned * 100):F2} | {rows.Average(r => r.Adjusted * 100):F2} |"));
        Console.WriteLine($"Total {clock.Elapsed.TotalMinutes:F1} minutes.");
        return 0;
    }

    private static Microsoft.ML.Subspaces.Transformers.SubspaceTransformer Train(MLContext ml, IDataView train, SampleSettings options, int pair, int member) =>
        ml.Subspaces().Trainers.Standard(new StandardTrainerOptions
        {
            Network = NetworkArchitecture.ConvNet,
            ImageShape = new[] { 1, 28, 28 },
            Epochs = options.Epochs,
            Seed = options.Seed * 1000 + 10 * pair + member,
        }).Fit(train);
}
