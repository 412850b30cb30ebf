using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class BadInputTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void DifferentHiddenWidthIsNamed()
    {
        using var a = RandomMlp(8, new[] { 32, 16 }, 3, seed: 1);
        using var b = RandomMlp(8, new[] { 32, 12 }, 3, seed: 2);
        var e = Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.Linear(a, b));
        Assert.Contains("hidden layer 2", e.Message);
        Assert.Contains("16 neurons in a, 12 in b", e.Message);
    }

    [Fact]
    public void DifferentDepthInputAndClassesAreNamed()
    {
        using var a = RandomMlp(8, new[] { 16 }, 3, seed: 1);
        using var deeper = RandomMlp(8, new[] { 16, 16 }, 3, seed: 2);
        using var wider = RandomMlp(9, new[] { 16 }, 3, seed: 3);
        using var more = RandomMlp(8, new[] { 16 }, 4, seed: 4);
        Assert.Contains("numbers of hidden layers: a has 1, b has 2", Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.Arc(a, deeper)).Message);
        Assert.Contains("input sizes: a takes 8 features, b takes 9", Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.OptimalTransport(a, wider)).Message);
        Assert.Contains("class counts: a has 3, b has 4", Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.Linear(a, more)).Message);
    }

    [Fact]
    public void DifferentFeatureColumnsAreNamed()
    {
        using var a = RandomMlp(8, new[] { 16 }, 3, seed: 1);
        using var b = RandomMlp(8, new[] { 16 }, 3, seed: 2, featureColumn: "Pixels");
        var e = Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.Linear(a, b));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("'Pixels'", e.Message);
    }

    [Fact]
    public void NonMlpNetworkIsNotSupported()
    {
        using var a = RandomMlp(4, new[] { 3 }, 2, seed: 1);
        using var other = Wrap(new OtherNetwork(), 2);
        var e = Assert.Throws<NotSupportedException>(() => _ml.Subspaces().Connections.Linear(a, other));
        Assert.Contains("multilayer perceptrons", e.Message);
        Assert.Contains("OtherNetwork", e.Message);
        Assert.Throws<NotSupportedException>(() => _ml.Subspaces().Connections.Arc(other, a));
    }

    [Fact]
    public void MlpWithoutHiddenLayerIsNotSupported()
    {
        using var a = RandomMlp(4, Array.Empty<int>(), 2, seed: 1);
        using var b = RandomMlp(4, Array.Empty<int>(), 2, seed: 2);
        Assert.Contains("no hidden layer", Assert.Throws<NotSupportedException>(() => _ml.Subspaces().Connections.Linear(a, b)).Message);
    }

    [Fact]
    public void EnsembleModelIsRejected()
    {
        using var a = RandomMlp(4, new[] { 3 }, 2, seed: 1);
        var line = new SubspaceMlp(new NetworkSpec { InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2, PointCount = 2 });
        using var subspace = new SubspaceTransformer(new SharedNetwork(line), Shapes.LineSubspace.Instance, "Features", Data.LabelKeyValues.Ordinal(2),
            new[] { new[] { 0.5 } }, "center", Array.Empty<Optimization.EpochSummary>());
        using var ensemble = subspace.WithEnsemble(SubspaceEnsemble.Endpoints);
        Assert.Contains("ensemble of 2 networks", Assert.Throws<ArgumentException>(() => _ml.Subspaces().Connections.Linear(a, ensemble)).Message);
        // One point of a line subspace is a single network and can be connected.
        using var point = subspace.WithPoint(0.25);
        using var path = _ml.Subspaces().Connections.Linear(a, point);
        var x = RandomInputs(5, 4, seed: 1);
        using var end = path.AtPoint(1);
        Assert.True(MaxDifference(point.PredictProbabilities(x), end.PredictProbabilities(x)) < 1e-6);
    }

    [Fact]
    public void WeightAdjustmentNeedsData()
    {
        using var a = RandomMlp(4, new[] { 3 }, 2, seed: 1);
        using var b = RandomMlp(4, new[] { 3 }, 2, seed: 2);
        Assert.Contains("TrainingData", Assert.Throws<ArgumentException>(() =>
            _ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { WeightAdjustment = true })).Message);
        Assert.Throws<ArgumentNullException>(() => _ml.Subspaces().Connections.WeightAdjusted(a, b, null!));
        var wrongSize = ToDataView(_ml, RandomInputs(10, 5, seed: 1), 5, 2);
        Assert.Contains("has 5 values; the networks take 4", Assert.Throws<ArgumentException>(() =>
            _ml.Subspaces().Connections.WeightAdjusted(a, b, wrongSize)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { PredictionPoint = 2 }));
    }

    /// <summary>A network that is not an MLP (stands for a convolutional network).</summary>
    private sealed class OtherNetwork : SubspaceNetwork
    {
        private readonly SubspaceLinear _layer;

        public OtherNetwork() : base(nameof(OtherNetwork), new NetworkSpec { Kind = NetworkArchitecture.ConvNet, InputSize = 4, HiddenSizes = new[] { 3 }, ClassCount = 2 })
        {
            _layer = new SubspaceLinear(4, 2, 1);
            RegisterComponents();
        }

        public override IReadOnlyList<ISubspaceLayer> SubspaceLayers => new[] { _layer };
        public override Tensor forward(Tensor input) => _layer.forward(input);
        protected override SubspaceNetwork CreateEmpty(int pointCount) => new OtherNetwork();
    }
}
