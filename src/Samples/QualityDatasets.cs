using Microsoft.ML.Subspaces.Networks;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Transforms;
using Subspaces.Samples.Common;

namespace Subspaces.Samples;

/// <summary>
/// A classification data set as a user would bring it to ML.NET: training and test views with a key-typed "Label" and a
/// known-size float vector "Features", and the network that suits it.
/// </summary>
public sealed record QualityDataset(string Name, NetworkArchitecture Network, IDataView Train, IDataView Test, int TrainRows)
{
    /// <summary>The <c>[C, H, W]</c> of the feature vector when it holds images without ExtractPixels' dimensions, else null.</summary>
    public int[]? ImageShape { get; init; }
}

/// <summary>The shared data sets that fit a classification task, each read and featurized with ML.NET's own transforms.</summary>
public static class QualityDatasets
{
    /// <summary>Every data set name <see cref="Load"/> knows, in table order.</summary>
    public static readonly string[] Names = { "mnist", "optdigits", "adult", "mnist-png", "wine", "optdigits-x1000", "optdigits-conv", "mnist-4x4" };

    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["mnist"] = "MNIST 784 pixels in [0, 1], 10 classes, first 8,000 rows train, last 2,000 test; MLP",
        ["optdigits"] = "UCI optdigits, 64 counts scaled to [0, 1], 10 classes, 3,823 train, 1,797 test; MLP",
        ["optdigits-x1000"] = "optdigits with every feature multiplied by 1,000 (unscaled input); MLP",
        ["adult"] = "UCI Adult, income > 50K: 6 unscaled numeric and 8 one-hot categorical columns, 32,561 train, 16,281 test; MLP",
        ["wine"] = "UCI white wine quality as 7 classes (scores 3-9): 11 unscaled measurements, 3,918 train, 980 test (fixed shuffle); MLP",
        ["mnist-4x4"] = "MNIST-8k pooled to 4x4 (16 features, means of 7x7 pixel blocks): a small, hard, low-dimensional set; MLP",
        ["optdigits-conv"] = "UCI optdigits as 1x8x8 images (counts scaled to [0, 1]), 3,823 train, 1,797 test; ConvNet",
        ["mnist-png"] = "MNIST PNGs through ImageAnalytics, 1x28x28 in [0, 1], 8,000 train, 2,000 test; ConvNet",
    };

    /// <summary>What the data set called <paramref name="name"/> is.</summary>
    public static string Describe(string name) => Descriptions.TryGetValue(name, out var d) ? d : name;

    /// <summary>The data set called <paramref name="name"/> (see <see cref="Names"/>).</summary>
    public static QualityDataset Load(MLContext ml, string name) => name switch
    {
        "mnist" => Digits(ml, name, DigitDatasets.MnistSplit()),
        "optdigits" => Digits(ml, name, (DigitDatasets.Optdigits("tra"), DigitDatasets.Optdigits("tes"))),
        "optdigits-x1000" => Digits(ml, name, (Scaled(DigitDatasets.Optdigits("tra"), 1000), Scaled(DigitDatasets.Optdigits("tes"), 1000))),
        "optdigits-conv" => Digits(ml, name, (DigitDatasets.Optdigits("tra"), DigitDatasets.Optdigits("tes"))) with
        {
            Network = NetworkArchitecture.ConvNet,
            ImageShape = new[] { 1, 8, 8 },
        },
        "mnist-4x4" => Digits(ml, name, Pooled(DigitDatasets.MnistSplit(), 28, 7)),
        "adult" => Adult(ml),
        "wine" => Wine(ml),
        "mnist-png" => MnistPng(ml),
        _ => throw new ArgumentException($"Unknown data set '{name}'. Data sets: {string.Join(", ", Names)}."),
    };

    private static QualityDataset Digits(MLContext ml, string name, (DigitSet Train, DigitSet Test) split)
    {
        var (train, test) = ml.ToKeyedDataViews(split.Train, split.Test);
        return new QualityDataset(name, NetworkArchitecture.Mlp, train, test, split.Train.Count);
    }

    private static (DigitSet Train, DigitSet Test) Pooled((DigitSet Train, DigitSet Test) split, int side, int block) =>
        (Pooled(split.Train, side, block), Pooled(split.Test, side, block));

    /// <summary>Square <paramref name="side"/> x <paramref name="side"/> images averaged over <paramref name="block"/> x <paramref name="block"/> blocks.</summary>
    private static DigitSet Pooled(DigitSet set, int side, int block)
    {
        int outSide = side / block, size = outSide * outSide, rows = set.Labels.Length;
        var features = new float[rows * size];
        for (int r = 0; r < rows; r++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    features[r * size + y / block * outSide + x / block] += set.Features[r * set.FeatureSize + y * side + x] / (block * block);
        return new DigitSet(features, set.Labels, size);
    }

    private static DigitSet Scaled(DigitSet set, float factor) => set with { Features = Array.ConvertAll(set.Features, v => v * factor) };

    /// <summary>The fourteen census columns of a UCI Adult row (the label is the derived class's).</summary>
    public abstract class AdultFeatures
    {
        public float Age { get; set; }
        public string WorkClass { get; set; } = "";
        public float Fnlwgt { get; set; }
        public string Education { get; set; } = "";
        public float EducationNum { get; set; }
        public string MaritalStatus { get; set; } = "";
        public string Occupation { get; set; } = "";
        public string Relationship { get; set; } = "";
        public string Race { get; set; } = "";
        public string Sex { get; set; } = "";
        public float CapitalGain { get; set; }
        public float CapitalLoss { get; set; }
        public float HoursPerWeek { get; set; }
        public string NativeCountry { get; set; } = "";
    }

    /// <summary>One census row of UCI Adult with its income class as text ("&lt;=50K", "&gt;50K").</summary>
    public sealed class AdultRow : AdultFeatures
    {
        public string Label { get; set; } = "";
    }

    internal static readonly string[] AdultCategorical =
        { nameof(AdultRow.WorkClass), nameof(AdultRow.Education), nameof(AdultRow.MaritalStatus), nameof(AdultRow.Occupation),
          nameof(AdultRow.Relationship), nameof(AdultRow.Race), nameof(AdultRow.Sex), nameof(AdultRow.NativeCountry) };

    internal static readonly string[] AdultNumeric =
        { nameof(AdultRow.Age), nameof(AdultRow.Fnlwgt), nameof(AdultRow.EducationNum), nameof(AdultRow.CapitalGain),
          nameof(AdultRow.CapitalLoss), nameof(AdultRow.HoursPerWeek) };

    /// <summary>
    /// UCI Adult as a two-class task (income above 50K) through the multiclass trainers: the six numeric columns unscaled
    /// (ages, dollars, hours), the eight categorical ones one-hot encoded (a missing "?" is a category of its own).
    /// </summary>
    private static QualityDataset Adult(MLContext ml)
    {
        var train = ml.Data.LoadFromEnumerable(ReadAdult("adult.data"));
        var test = ml.Data.LoadFromEnumerable(ReadAdult("adult.test"));
        var featurizer = ml.Transforms.Categorical.OneHotEncoding(AdultCategorical.Select(c => new InputOutputColumnPair(c)).ToArray())
            .Append(ml.Transforms.Concatenate("Features", AdultNumeric.Concat(AdultCategorical).ToArray()))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
            .Fit(train);
        int rows = (int)train.GetColumn<string>("Label").LongCount();
        return new QualityDataset("adult", NetworkArchitecture.Mlp, ml.Data.Cache(featurizer.Transform(train)), ml.Data.Cache(featurizer.Transform(test)), rows);
    }

    internal static List<AdultRow> ReadAdult(string file) => ReadAdult<AdultRow>(file, (row, label) => row.Label = label);

    /// <summary>The rows of an Adult file as <typeparamref name="T"/>, the income class ("&gt;50K" or "&lt;=50K") given to <paramref name="setLabel"/>.</summary>
    internal static List<T> ReadAdult<T>(string file, Action<T, string> setLabel) where T : AdultFeatures, new()
    {
        var rows = new List<T>();
        foreach (var line in File.ReadLines(SharedData.File("adult", file)).Skip(1))
        {
            var c = line.Split(',', StringSplitOptions.TrimEntries);
            if (c.Length < 15) continue; // blank lines
            float F(int i) => float.Parse(c[i], CultureInfo.InvariantCulture);
            var row = new T
            {
                Age = F(0), WorkClass = c[1], Fnlwgt = F(2), Education = c[3], EducationNum = F(4), MaritalStatus = c[5],
                Occupation = c[6], Relationship = c[7], Race = c[8], Sex = c[9], CapitalGain = F(10), CapitalLoss = F(11),
                HoursPerWeek = F(12), NativeCountry = c[13],
            };
            setLabel(row, c[14].TrimEnd('.')); // the test file writes ">50K."
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// UCI white wine quality as a 7-class task (scores 3..9): 11 unscaled physico-chemical measurements; rows split
    /// 80/20 in a fixed shuffled order (the file has no test part).
    /// </summary>
    private static QualityDataset Wine(MLContext ml)
    {
        var lines = File.ReadLines(SharedData.File("wine-quality", "winequality-white.csv")).Skip(1).Where(l => l.Length > 0).ToArray();
        var rows = lines.Select(l => l.Split(',')).Select(c => new DigitDataView.Row
        {
            Label = uint.Parse(c[^1], CultureInfo.InvariantCulture),
            Features = c[..^1].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        }).ToArray();
        new Random(2009).Shuffle(rows);
        int trainCount = rows.Length * 4 / 5;
        var schema = SchemaDefinition.Create(typeof(DigitDataView.Row));
        schema[nameof(DigitDataView.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 11);
        var train = ml.Data.LoadFromEnumerable(rows[..trainCount], schema);
        var test = ml.Data.LoadFromEnumerable(rows[trainCount..], schema);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);
        return new QualityDataset("wine", NetworkArchitecture.Mlp, keys.Transform(train), keys.Transform(test), trainCount);
    }

    /// <summary>The MNIST PNGs (8,000 train, 2,000 test) through LoadImages, ResizeImages, ConvertToGrayscale and ExtractPixels; ConvNet.</summary>
    private static QualityDataset MnistPng(MLContext ml)
    {
        var root = SharedData.File("mnist-png");
        var trainRows = ImagesSample.ListImages(root, "train");
        var testRows = ImagesSample.ListImages(root, "test");
        var preprocessing = ImagesSample.Preprocessing(ml, root, 28).Fit(ml.Data.LoadFromEnumerable(trainRows));
        return new QualityDataset("mnist-png", NetworkArchitecture.ConvNet, ml.Data.Cache(preprocessing.Transform(ml.Data.LoadFromEnumerable(trainRows))),
            ml.Data.Cache(preprocessing.Transform(ml.Data.LoadFromEnumerable(testRows))), trainRows.Count);
    }
}
