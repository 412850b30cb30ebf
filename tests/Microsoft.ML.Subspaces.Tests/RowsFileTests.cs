using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Tests.Tasks;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>The rows file for streamed fits (<c>mlContext.Subspaces().Data.SaveRows</c> / <c>LoadRows</c>).</summary>
public sealed class RowsFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rows-{Guid.NewGuid():N}");

    public RowsFileTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string name) => Path.Combine(_directory, name);

    [Fact]
    public void AMulticlassSetComesBackRowForRowAndAStreamedFitFromTheFileIsTheFitFromTheView()
    {
        var ml = new MLContext(seed: 1);
        var raw = TestData.View(ml, TestData.OptdigitsTrain, 0, 600);
        var keys = TestData.MapLabelToKey(ml).Fit(raw);
        var train = keys.Transform(raw);
        var test = keys.Transform(TestData.View(ml, TestData.OptdigitsTest, 0, 300));
        Assert.Equal(600, ml.Subspaces().Data.SaveRows(train, File("digits.rows")));
        var loaded = ml.Subspaces().Data.LoadRows(File("digits.rows"));

        Assert.Equal(600, loaded.GetRowCount());
        Assert.Equal(train.Schema["Features"].Type, loaded.Schema["Features"].Type);
        Assert.Equal(train.Schema["Label"].Type, loaded.Schema["Label"].Type);
        // Key values are kept as text: the same strings whatever their type was.
        Assert.Equal(Data.LabelKeyValues.FromColumn(train.Schema["Label"])!.Values, Data.LabelKeyValues.FromColumn(loaded.Schema["Label"])!.Values);
        Assert.Equal(TextDataViewType.Instance, Data.LabelKeyValues.FromColumn(loaded.Schema["Label"])!.ItemType);
        Assert.Equal(train.GetColumn<uint>("Label"), loaded.GetColumn<uint>("Label"));
        Assert.Equal(train.GetColumn<float[]>("Features").SelectMany(f => f), loaded.GetColumn<float[]>("Features").SelectMany(f => f));

        var options = () => new LineTrainerOptions { HiddenLayers = new[] { 16 }, Epochs = 2, BatchSize = 32, Seed = 3, ShuffleBufferRows = 128 };
        using var fromView = ml.Subspaces().Trainers.Line(options()).Fit(train);
        using var fromFile = ml.Subspaces().Trainers.Line(options()).Fit(loaded);
        Assert.Equal(TestData.Scores(fromView.Transform(test)), TestData.Scores(fromFile.Transform(test)));
    }

    [Fact]
    public void RegressionAndBinaryLabelsComeBackExactly()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 50).Select(i => new LabeledRow { Features = new[] { i, -i * 0.5f, 1e6f }, Value = i * 0.25f - 3, Flag = i % 3 == 0 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        ml.Subspaces().Data.SaveRows(data, File("values.rows"), labelColumnName: "Value");
        ml.Subspaces().Data.SaveRows(data, File("flags.rows"), labelColumnName: "Flag");
        var values = ml.Subspaces().Data.LoadRows(File("values.rows"));
        var flags = ml.Subspaces().Data.LoadRows(File("flags.rows"));
        Assert.Equal(NumberDataViewType.Single, values.Schema["Value"].Type);
        Assert.Equal(BooleanDataViewType.Instance, flags.Schema["Flag"].Type);
        Assert.Equal(rows.Select(r => r.Value), values.GetColumn<float>("Value"));
        Assert.Equal(rows.Select(r => r.Flag), flags.GetColumn<bool>("Flag"));
        Assert.Equal(rows.SelectMany(r => r.Features), flags.GetColumn<float[]>("Features").SelectMany(f => f));
    }

    [Fact]
    public void DamagedFilesAndUnstorableLabelsAreErrorsNamingThem()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new LabeledRow { Features = new[] { i, 2f, 3f }, Value = i, Name = $"r{i}" }));
        var text = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Data.SaveRows(data, File("text.rows"), labelColumnName: "Name"));
        Assert.Contains("'Name'", text.Message);
        Assert.False(System.IO.File.Exists(File("text.rows")));

        System.IO.File.WriteAllText(File("other.rows"), "not rows at all");
        Assert.Contains("not a rows file", Assert.Throws<InvalidDataException>(() => ml.Subspaces().Data.LoadRows(File("other.rows"))).Message);

        ml.Subspaces().Data.SaveRows(data, File("whole.rows"), labelColumnName: "Value");
        var bytes = System.IO.File.ReadAllBytes(File("whole.rows"));
        System.IO.File.WriteAllBytes(File("cut.rows"), bytes[..^7]);
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => ml.Subspaces().Data.LoadRows(File("cut.rows"))).Message);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Subspaces().Data.SaveRows(data, File("cancelled.rows"), labelColumnName: "Value", cancellationToken: cancelled.Token));
        Assert.Empty(Directory.GetFiles(_directory, "cancelled.rows*"));
    }

    private sealed class LabeledRow
    {
        [VectorType(3)] public float[] Features { get; set; } = Array.Empty<float>();
        public float Value { get; set; }
        public bool Flag { get; set; }
        public string Name { get; set; } = "";
    }
}
