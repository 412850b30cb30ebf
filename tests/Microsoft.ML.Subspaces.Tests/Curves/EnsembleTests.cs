using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests.Curves;

[Collection("Curves")]
public sealed class EnsembleTests(CurveFixture f)
{
    [Fact]
    public void ProbabilitiesAreTheMeanOfTheMembersProbabilities()
    {
        using var c = f.Standard(seed: 9, epochs: 2);
        using var ensemble = f.Ml.Subspaces().Ensemble(f.A, f.B, c);
        var pa = f.A.PredictProbabilities(f.TestFeatures);
        var pb = f.B.PredictProbabilities(f.TestFeatures);
        var pc = c.PredictProbabilities(f.TestFeatures);
        var pe = ensemble.PredictProbabilities(f.TestFeatures);
        Assert.Equal(pa.Length, pe.Length);
        for (int i = 0; i < pe.Length; i++) Assert.Equal((pa[i] + pb[i] + pc[i]) / 3, pe[i], 1e-6f);

        // Through ML.NET: the Score column holds the same numbers and Evaluate accepts the output.
        var scores = ensemble.Transform(f.Test).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        Assert.Equal(pe, scores);
        var metrics = f.Ml.Subspaces().Evaluate(ensemble.Transform(f.Test));
        Assert.InRange(metrics.Accuracy, 0.5, 1.0);
    }

    [Fact]
    public void DisposingTheEnsembleLeavesTheMembersUsableAndTheOtherWayRound()
    {
        using var c = f.Standard(seed: 9, epochs: 1);
        var ensemble = f.Ml.Subspaces().Ensemble(new[] { c, f.A });
        c.Dispose();
        Assert.Equal(10 * 300, ensemble.PredictProbabilities(f.TestFeatures).Length);
        ensemble.Dispose();
        Assert.Equal(10 * 300, f.A.PredictProbabilities(f.TestFeatures).Length);
        Assert.Throws<ObjectDisposedException>(() => ensemble.PredictProbabilities(f.TestFeatures));
    }

    [Fact]
    public void AnEmptyListIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Ensemble(Array.Empty<ScorerTransformer>()));
        Assert.Contains("empty", e.Message);
        Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Ensemble(new List<ScorerTransformer>()));
    }

    [Fact]
    public void ModelsWithOtherClassesAreRejected()
    {
        using var five = ConnectCurveTests.FiveClassModel(f);
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Ensemble(f.A, five));
        Assert.Contains("5 classes", e.Message);
        Assert.Contains("Model 1", e.Message);
    }

    [Fact]
    public void ModelsOfDifferentArchitecturesButOneTaskCanBeCombined()
    {
        using var wide = f.Standard(seed: 3, hidden: new[] { 24 }, epochs: 1);
        using var ensemble = f.Ml.Subspaces().Ensemble(f.A, wide);
        Assert.Equal(2, ensemble.Members.Count);
    }

    [Fact]
    public void SavedEnsemblesLoadAndPredictTheSame()
    {
        using var c = f.Standard(seed: 9, epochs: 1);
        using var line = f.Ml.Subspaces().Trainers.Line(new LineTrainerOptions { HiddenLayers = new[] { 8 }, Epochs = 1, Seed = 1 }).Fit(f.Train);
        using var lineEnds = line.WithEnsemble(SubspaceEnsemble.Endpoints);
        using var inner = f.Ml.Subspaces().Ensemble(f.B, c);
        using var ensemble = f.Ml.Subspaces().Ensemble(f.A, lineEnds, inner); // nested ensembles and subspace members
        string path = Path.Combine(Path.GetTempPath(), $"ensemble-{Guid.NewGuid():N}.zip");
        try
        {
            f.Ml.Subspaces().Model.Save(ensemble, f.Test.Schema, path);
            var loaded = f.Ml.Subspaces().Model.Load(path, out var schema);
            using var loadedEnsemble = Assert.IsType<EnsembleTransformer>(loaded);
            Assert.Equal(3, loadedEnsemble.Members.Count);
            Assert.IsType<EnsembleTransformer>(loadedEnsemble.Members[2]);
            Assert.Equal(ensemble.Description, loadedEnsemble.Description);
            // Same weights bit for bit; BLAS may round the last bit differently for other allocations.
            CurveFixture.AssertClose(ensemble.PredictProbabilities(f.TestFeatures), loadedEnsemble.PredictProbabilities(f.TestFeatures));
            Assert.NotNull(schema.GetColumnOrNull("Features"));

            // A pipeline ending in an ensemble round-trips too.
            var pipeline = new TransformerChain<ITransformer>(f.Ml.Transforms.CopyColumns("Copy", "Features").Fit(f.Test), ensemble.ShareWeights()!);
            f.Ml.Subspaces().Model.Save(pipeline, f.Test.Schema, path);
            var loadedPipeline = f.Ml.Subspaces().Model.Load(path, out _);
            var expected = pipeline.Transform(f.Test).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
            var actual = loadedPipeline.Transform(f.Test).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
            CurveFixture.AssertClose(expected, actual);
            foreach (var t in loadedPipeline as IEnumerable<ITransformer> ?? Array.Empty<ITransformer>()) (t as IDisposable)?.Dispose();
            foreach (var t in pipeline) (t as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
