namespace Microsoft.ML.Subspaces.Tests.Curves;

/// <summary>Garipov et al.'s "ensemble of w0 with phi(t)" on a fitted curve.</summary>
[Collection("Curves")]
public sealed class StartEnsembleTests(CurveFixture f)
{
    [Fact]
    public void AtTheStartThePairIsTheStartAndAtTheEndItIsTheIndependentEnsemble()
    {
        using var curve = f.Ml.Subspaces().Trainers.ConnectCurve(f.A, f.B, f.CurveOptions(epochs: 2)).Fit(f.Train);
        var rows = f.Ml.Subspaces().Experiments.EnsemblesWithStart(curve, f.Test, points: 5);

        Assert.Equal(new[] { 0, 0.25, 0.5, 0.75, 1 }, rows.Select(r => r.T));
        // t = 0: phi(0) = w0 is the start model; the pair of w0 with itself predicts as w0.
        var start = f.Ml.Subspaces().Evaluate(f.A.Transform(f.Test));
        Assert.Equal(start.Accuracy, rows[0].Accuracy, 3);
        Assert.Equal(rows[0].Accuracy, rows[0].EnsembleAccuracy, 6);
        // t = 1: phi(1) = w1 is the end model; the pair is the independent ensemble of the two models.
        using var independent = f.Ml.Subspaces().Ensemble(f.A, f.B);
        var pair = f.Ml.Subspaces().Evaluate(independent.Transform(f.Test));
        Assert.Equal(pair.Accuracy, rows[^1].EnsembleAccuracy, 2);
        Assert.Equal(pair.LogLoss, rows[^1].EnsembleLogLoss, 2);
    }

    [Fact]
    public void AStandardModelHasNoCurveToWalk()
    {
        var e = Assert.Throws<ArgumentException>(() => f.Ml.Subspaces().Experiments.EnsemblesWithStart(f.A, f.Test));
        Assert.Contains("need a line or a curve", e.Message);
        Assert.Equal("curve", e.ParamName);
    }
}
