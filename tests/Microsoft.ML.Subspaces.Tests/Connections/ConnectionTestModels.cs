using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Data;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Optimization;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>Small synthetic MLP models and data for the connection tests (no training: seeded random weights).</summary>
internal static class ConnectionTestModels
{
    /// <summary>A standard (single-point) model with Kaiming-normal weights and small random biases.</summary>
    public static SubspaceTransformer RandomMlp(int input, int[] hidden, int classes, ulong seed, string featureColumn = "Features",
        double[]? featureMean = null, double[]? featureStd = null)
    {
        using var generator = new Generator(seed, CPU);
        var spec = new NetworkSpec
        {
            Kind = NetworkArchitecture.Mlp, InputSize = input, HiddenSizes = hidden, ClassCount = classes,
            FeatureMean = featureMean ?? Array.Empty<double>(), FeatureStd = featureStd ?? Array.Empty<double>(),
        };
        var network = new SubspaceMlp(spec, generator);
        using (no_grad())
        {
            foreach (var layer in network.Layers)
                layer.Bias.Points.copy_(randn(layer.Bias.Points.shape, generator: generator).mul_(0.1));
        }
        return Wrap(network, classes, featureColumn);
    }

    /// <summary>Wraps a one-point network as a standard model.</summary>
    public static SubspaceTransformer Wrap(SubspaceNetwork network, int classes, string featureColumn = "Features")
    {
        network.eval();
        return new SubspaceTransformer(new SharedNetwork(network), SinglePoint.Instance, featureColumn, LabelKeyValues.Ordinal(classes),
            new[] { Array.Empty<double>() }, "center", Array.Empty<EpochSummary>());
    }

    /// <summary>
    /// A copy of <paramref name="model"/> whose hidden layers' neurons are reordered by seeded random permutations
    /// (rows of layer k and its bias, columns of layer k + 1): the same function, other weights.
    /// </summary>
    public static SubspaceTransformer PermuteHidden(SubspaceTransformer model, int seed)
    {
        var source = (SubspaceMlp)model.Weights.Network;
        var copy = new SubspaceMlp(source.Spec);
        var random = new Random(seed);
        using (no_grad())
        {
            for (int l = 0; l < source.Layers.Count; l++)
            {
                copy.Layers[l].Weight.Points.copy_(source.Layers[l].Weight.Points);
                copy.Layers[l].Bias.Points.copy_(source.Layers[l].Bias.Points);
            }
            for (int k = 0; k < source.Spec.HiddenSizes.Length; k++)
            {
                int width = source.Spec.HiddenSizes[k];
                var order = Enumerable.Range(0, width).OrderBy(_ => random.Next()).Select(i => (long)i).ToArray();
                using var index = tensor(order);
                using var w = copy.Layers[k].Weight.Points.index_select(1, index);
                using var b = copy.Layers[k].Bias.Points.index_select(1, index);
                using var next = copy.Layers[k + 1].Weight.Points.index_select(2, index);
                copy.Layers[k].Weight.Points.copy_(w);
                copy.Layers[k].Bias.Points.copy_(b);
                copy.Layers[k + 1].Weight.Points.copy_(next);
            }
        }
        return Wrap(copy, model.ClassCount, model.FeatureColumnName);
    }

    /// <summary>Row-major random inputs in [0, 1).</summary>
    public static float[] RandomInputs(int rows, int size, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        return x;
    }

    public sealed class Row
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>A data view of <paramref name="features"/> (row-major) with a key label (labels from <paramref name="labeler"/>).</summary>
    public static IDataView ToDataView(MLContext ml, float[] features, int size, int classes, Func<float[], int>? labeler = null)
    {
        int rows = features.Length / size;
        var list = Enumerable.Range(0, rows).Select(i =>
        {
            var f = features.AsSpan(i * size, size).ToArray();
            return new Row { Features = f, Label = (uint)(labeler?.Invoke(f) ?? i % classes) };
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        var view = ml.Data.LoadFromEnumerable(list, schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(view).Transform(view);
    }

    /// <summary>Largest absolute difference between two arrays of equal length.</summary>
    public static double MaxDifference(float[] x, float[] y)
    {
        Assert.Equal(x.Length, y.Length);
        double max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
        return max;
    }
}
