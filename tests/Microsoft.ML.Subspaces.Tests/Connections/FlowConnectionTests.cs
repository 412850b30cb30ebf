using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Tests.Images;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>The Flow and Bijection connections (Connections.FitFlow, FitBijection) and their RealNVP bijection.</summary>
public class FlowConnectionTests
{
    [Fact]
    public void TheFlowInvertsItselfItsLogDeterminantIsTheJacobiansAndFittingRaisesTheLikelihood()
    {
        using var generator = new Generator(11, CPU);
        using var skewed = randn(new long[] { 300, 4 }, generator: generator).exp_(); // far from normal
        using var flow = new NeuronFlow(skewed, couplingCount: 3, hiddenSize: 16, seed: 5);
        using (no_grad())
        using (NewDisposeScope())
            foreach (var p in flow.parameters()) p.copy_(randn(p.shape, generator: generator).mul_(0.1)); // not the identity
        CheckInverseAndDeterminant(flow, skewed);

        double before;
        using (no_grad()) using (NewDisposeScope()) before = flow.NegativeLogLikelihood(skewed).item<float>();
        double after = NeuronFlowFitting.FitLikelihood(flow, skewed, null, epochs: 60, batchSize: 64, learningRate: 1e-2, seed: 3, CancellationToken.None).Loss;
        Assert.True(after < before - 0.5, $"negative log-likelihood {before:F3} before fitting, {after:F3} after");
        CheckInverseAndDeterminant(flow, skewed);
    }

    private static void CheckInverseAndDeterminant(NeuronFlow flow, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (z, logDet) = flow.ToLatent(x);
        Assert.True(flow.ToNeurons(z).sub(x).abs().max().item<float>() < 1e-4, "ToNeurons(ToLatent(x)) is not x");
        // log |det J| of the map at one row, by central differences.
        var row = x.narrow(0, 0, 1);
        var jacobian = new double[4, 4];
        const float h = 1e-3f;
        for (int j = 0; j < 4; j++)
        {
            var step = zeros_like(row);
            step[0, j] = tensor(h);
            var difference = flow.ToLatent(row.add(step)).Latent.sub(flow.ToLatent(row.sub(step)).Latent).div(tensor(2 * h));
            for (int i = 0; i < 4; i++) jacobian[i, j] = difference[0, i].item<float>();
        }
        double numeric = Math.Log(Math.Abs(tensor(jacobian).det().item<double>()));
        Assert.Equal(numeric, logDet[0].item<float>(), 2);
    }

    [Fact]
    public void AFlowConnectionStartsAtTheFirstNetworkEndsAtTheMatchedSecondAndIsContinuousAtBothEnds()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 512, Array.Empty<int>());
        var models = Enumerable.Range(0, 5).Select(i => Mlp(ml, train, i)).ToList();
        try
        {
            using var flow = ml.Subspaces().Connections.FitFlow(models.Take(3).ToList(), new NeuronFlowOptions { Epochs = 3, HiddenSize = 32, Seed = 1 });
            Assert.Equal("Flow", flow.Method);
            Assert.Equal(3, flow.ModelCount);
            Assert.True(flow.TrainingTime > TimeSpan.Zero);
            using var path = flow.Connect(models[3], models[4]);
            var features = train.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
            float[] At(double t)
            {
                using var m = path.AtPoint(t);
                return m.PredictProbabilities(features);
            }
            using (var start = path.AtPoint(0)) Assert.Equal(Weights(models[3]), Weights(start));
            double Gap(float[] x, float[] y) => x.Zip(y).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(Gap(models[4].PredictProbabilities(features), At(1)) < 1e-5, "t = 1 does not predict as the second network");
            Assert.True(Gap(At(0), At(1e-5)) < 1e-2, $"the path jumps at t = 0: {Gap(At(0), At(1e-5))}");
            Assert.True(Gap(At(1), At(1 - 1e-5)) < 1e-2, $"the path jumps at t = 1: {Gap(At(1), At(1 - 1e-5))}");
            Assert.True(Gap(At(0), At(0.5)) > 0.05, "the midpoint is the first network: the path does not move");
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    [Fact]
    public void TrainingTheBijectionOnPathsLowersTheLossAtTheMidpointOfAPairItWasTrainedOn()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 512, Array.Empty<int>());
        var models = Enumerable.Range(0, 3).Select(i => Mlp(ml, train, i)).ToList();
        try
        {
            double MidpointLogLoss(int steps)
            {
                using var bijection = ml.Subspaces().Connections.FitBijection(models, train,
                    new NeuronFlowOptions { Steps = steps, HiddenSize = 32, BatchSize = 64, LearningRate = 1e-3, Seed = 2 });
                Assert.Equal("Bijection", bijection.Method);
                using var path = bijection.Connect(models[0], models[1]);
                using var midpoint = path.AtPoint(0.5);
                return ml.Subspaces().Evaluate(midpoint.Transform(train)).LogLoss;
            }
            double untrained = MidpointLogLoss(1), trained = MidpointLogLoss(150);
            Assert.True(trained < untrained - 0.02, $"midpoint log-loss {untrained:F3} after 1 step, {trained:F3} after 150");
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    [Fact]
    public void BadModelsAndOptionsAreErrorsNamingThem()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256, Array.Empty<int>());
        using var a = Mlp(ml, train, 0);
        using var b = Mlp(ml, train, 1);
        using var deep = ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8, 8 }, Epochs = 1, Seed = 1 }).Fit(train);
        Assert.Throws<ArgumentException>(() => ml.Subspaces().Connections.FitFlow(new[] { a }));
        var notOneLayer = Assert.Throws<NotSupportedException>(() => ml.Subspaces().Connections.FitFlow(new[] { a, deep }));
        Assert.Contains("one-hidden-layer", notOneLayer.Message);
        var couplings = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Connections.FitFlow(new[] { a, b }, new NeuronFlowOptions { Couplings = 0 }));
        Assert.Equal("Couplings", couplings.ParamName);
        Assert.Throws<ArgumentNullException>(() => ml.Subspaces().Connections.FitBijection(new[] { a, b }, null!));

        var flow = ml.Subspaces().Connections.FitFlow(new[] { a, b }, new NeuronFlowOptions { Epochs = 1, HiddenSize = 8, Seed = 1 });
        Assert.Throws<NotSupportedException>(() => flow.Connect(deep, deep));
        flow.Dispose();
        Assert.Throws<ObjectDisposedException>(() => flow.Connect(a, b));
    }

    [Fact]
    public void ASavedConnectorLoadsAsTheSameBijectionAndBadFilesAreErrorsNamingThem()
    {
        var ml = new MLContext(seed: 3);
        var train = ImageTestData.Mnist(ml, 0, 256, Array.Empty<int>());
        var models = Enumerable.Range(0, 5).Select(i => Mlp(ml, train, i)).ToList();
        string directory = Path.Combine(Path.GetTempPath(), $"subspaces-connector-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "flow.zip"), modelPath = Path.Combine(directory, "model.zip"), damaged = Path.Combine(directory, "damaged.zip");
        try
        {
            var connections = ml.Subspaces().Connections;
            using var flow = connections.FitFlow(models.Take(3).ToList(), new NeuronFlowOptions { Epochs = 3, HiddenSize = 16, Seed = 1 });
            connections.SaveConnector(flow, path);
            using var loaded = connections.LoadConnector(path);
            Assert.Equal((flow.Method, flow.ModelCount, flow.FinalLoss, flow.KeptEpoch), (loaded.Method, loaded.ModelCount, loaded.FinalLoss, loaded.KeptEpoch));
            Assert.Equal(flow.TrainingTime, loaded.TrainingTime);
            var state = flow.Flow.state_dict();
            foreach (var (name, value) in loaded.Flow.state_dict()) Assert.Equal(state[name].data<float>().ToArray(), value.data<float>().ToArray());

            // A new pair connected through the loaded connector predicts exactly as through the fitted one.
            var features = train.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
            using var fitted = flow.Connect(models[3], models[4]);
            using var reloaded = loaded.Connect(models[3], models[4]);
            using var fittedMidpoint = fitted.AtPoint(0.5);
            using var reloadedMidpoint = reloaded.AtPoint(0.5);
            Assert.Equal(fittedMidpoint.PredictProbabilities(features), reloadedMidpoint.PredictProbabilities(features));

            ml.Subspaces().Model.Save(models[0], train.Schema, modelPath);
            Assert.Contains("Model.Load", Assert.Throws<InvalidDataException>(() => connections.LoadConnector(modelPath)).Message);
            Assert.Contains("LoadConnector", Assert.Throws<InvalidDataException>(() => ml.Subspaces().Model.Load(path, out _)).Message);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 3] ^= 0xFF;
            File.WriteAllBytes(damaged, bytes);
            Assert.Contains("damaged.zip", Assert.Throws<InvalidDataException>(() => connections.LoadConnector(damaged)).Message);
            Assert.Throws<FileNotFoundException>(() => connections.LoadConnector(Path.Combine(directory, "missing.zip")));
            flow.Dispose();
            Assert.Throws<ObjectDisposedException>(() => connections.SaveConnector(flow, Path.Combine(directory, "disposed.zip")));
            Assert.False(File.Exists(Path.Combine(directory, "disposed.zip")));
        }
        finally
        {
            foreach (var m in models) m.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static SubspaceTransformer Mlp(MLContext ml, IDataView train, int seed) =>
        ml.Subspaces().Trainers.Standard(new StandardTrainerOptions { HiddenLayers = new[] { 8 }, Epochs = 2, BatchSize = 64, Seed = 10 + seed }).Fit(train);

    private static float[] Weights(SubspaceTransformer model) =>
        model.Weights.Network.SubspaceParameters.SelectMany(p => p.Points.data<float>().ToArray()).ToArray();
}
