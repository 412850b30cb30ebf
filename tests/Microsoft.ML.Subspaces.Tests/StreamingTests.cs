using System.Globalization;
using Microsoft.ML.Subspaces.Tests.Tasks;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Streaming mode (<c>ShuffleBufferRows</c>): the rows are read from the data view every epoch through a shuffle buffer,
/// not held in memory; from a text file as from memory, it trains as well as the in-memory fit (within noise), is
/// deterministic, standardizes inputs and regression labels with the statistics of all rows, and asks for a ValidationSet.
/// </summary>
public class StreamingTests
{
    private static LineTrainerOptions Options(int? buffer) => new()
    {
        HiddenLayers = new[] { 32 }, Epochs = 8, BatchSize = 32, Device = "cpu", Seed = 3, ShuffleBufferRows = buffer,
    };

    /// <summary>optdigits rows written as CSV and read back with ML.NET's TextLoader (a view that does not know its row count).</summary>
    private static IDataView FromCsv(MLContext ml, string path, int rows)
    {
        using (var writer = new StreamWriter(path))
            foreach (var r in TestData.Rows(TestData.OptdigitsTrain, 0, rows))
                writer.WriteLine(string.Join(",", r.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + r.Label.ToString(CultureInfo.InvariantCulture));
        var loader = ml.Data.CreateTextLoader(new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, 63),
            new TextLoader.Column("Label", DataKind.UInt32, 64),
        }, separatorChar: ',');
        return loader.Load(path);
    }

    [Fact]
    public void AStreamedLineFromATextFileTrainsAsWellAsInMemoryAndIsDeterministic()
    {
        var ml = new MLContext(seed: 1);
        string path = Path.Combine(Path.GetTempPath(), $"streamed-{Guid.NewGuid():N}.csv");
        try
        {
            var file = FromCsv(ml, path, 1200);
            Assert.Null(file.GetRowCount()); // the loader does not know it: the first pass counts
            var keys = TestData.MapLabelToKey(ml).Fit(file);
            var train = keys.Transform(file);
            var test = keys.Transform(TestData.View(ml, TestData.OptdigitsTest, 0, 500));
            using var streamed = ml.Subspaces().Trainers.Line(Options(buffer: 200)).Fit(train);
            using var again = ml.Subspaces().Trainers.Line(Options(buffer: 200)).Fit(train);
            using var inMemory = ml.Subspaces().Trainers.Line(Options(buffer: null)).Fit(train);
            double a = ml.MulticlassClassification.Evaluate(streamed.Transform(test)).MicroAccuracy;
            double b = ml.MulticlassClassification.Evaluate(inMemory.Transform(test)).MicroAccuracy;
            Assert.True(a > 0.85, $"streamed accuracy {a:P2}");
            Assert.True(Math.Abs(a - b) < 0.04, $"streamed {a:P2} against in memory {b:P2}");
            Assert.Equal(TestData.Scores(streamed.Transform(test)), TestData.Scores(again.Transform(test)));
            // The input standardization saw every row, as in memory.
            for (int j = 0; j < 64; j++)
            {
                Assert.Equal(inMemory.Network.FeatureMean[j], streamed.Network.FeatureMean[j], 9);
                Assert.Equal(inMemory.Network.FeatureStd[j], streamed.Network.FeatureStd[j], 9);
            }
            Assert.Equal(8, streamed.TrainingHistory.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StreamedRegressionStandardizesTheLabelWithEveryRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = RegressionTests.Rows(900, seed: 1, scale: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = RegressionTests.Options(seed: 3);
        options.ShuffleBufferRows = 128;
        using var streamed = ml.Subspaces().Regression.Trainers.Line(options).Fit(data);
        Assert.Equal(rows.Average(r => r.Label), streamed.Network.TargetMean, 1);
        var test = ml.Data.LoadFromEnumerable(RegressionTests.Rows(300, seed: 2, scale: 1));
        Assert.True(ml.Regression.Evaluate(streamed.Transform(test)).RSquared > 0.9);
    }

    [Fact]
    public void StreamingAsksForAValidationSetNotAFraction()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(buffer: 100);
        options.ValidationFraction = 0.2;
        var e = Assert.Throws<ArgumentException>(() => ml.Subspaces().Trainers.Line(options).Fit(TestData.Keyed(ml, TestData.View(ml, TestData.OptdigitsTrain, 0, 200))));
        Assert.Contains("ValidationSet", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Trainers.Line(Options(buffer: 0)));
    }

    /// <summary>Rows whose first feature is their index, label twice it and weight a third of it.</summary>
    private sealed class IndexedRow
    {
        public float Label { get; set; }
        public float Weight { get; set; }
        [VectorType(3)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Theory]
    [InlineData(50, 32, 1 << 20)] // batches cross from one block into the next
    [InlineData(64, 32, 1 << 20)] // blocks of whole batches
    [InlineData(7, 32, 1 << 20)]  // a batch gathered from five blocks
    [InlineData(50, 32, 21)]      // blocks filled seven rows at a time
    public void AnEpochServesEveryRowOnceWithItsLabelAndWeight(int bufferRows, int batchSize, int segmentFloats)
    {
        const int n = 203;
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new IndexedRow { Label = 2 * i, Weight = i / 3f, Features = new[] { i, 1f, -1f } }));
        using var streamed = Data.StreamedTrainingData.Read(data, "Features", "Label", "Weight", Networks.NetworkOutput.Linear, bufferRows, sampleRows: 10, seed: 1, segmentFloats);
        var firstOrder = new List<int>();
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var seen = new List<int>();
            var sizes = new List<long>();
            streamed.BeginEpoch(new TorchSharp.torch.Generator(5), TorchSharp.torch.CPU, batchSize);
            for (long served = 0; served < streamed.Count;)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                var (x, y, w) = streamed.Next();
                var index = x.select(1, 0).data<float>().ToArray();
                var labels = y.data<float>().ToArray();
                var weights = w!.data<float>().ToArray();
                for (int r = 0; r < index.Length; r++)
                {
                    Assert.Equal(index[r] / 3f, weights[r], 5);
                    Assert.Equal(2 * index[r], labels[r], 3); // as read (no StandardizeTargets call)
                    seen.Add((int)index[r]);
                }
                sizes.Add(x.shape[0]);
                served += x.shape[0];
            }
            streamed.EndEpoch();
            Assert.Equal(Enumerable.Range(0, n), seen.Order());
            Assert.All(sizes.SkipLast(1), s => Assert.Equal(batchSize, s));
            Assert.Equal(n - (sizes.Count - 1) * batchSize, sizes[^1]);
            if (epoch == 0) firstOrder = seen;
            else Assert.Equal(firstOrder, seen); // the same generator seed, the same order
        }
        Assert.NotEqual(Enumerable.Range(0, n), firstOrder); // shuffled within blocks
    }
}
