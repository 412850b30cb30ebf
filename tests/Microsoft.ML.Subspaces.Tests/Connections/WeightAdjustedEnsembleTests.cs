using Microsoft.ML;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>WA-ensembles: members share the first model's backbone, their heads adjusted by least squares.</summary>
public class WeightAdjustedEnsembleTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MembersShareTheFirstBackboneAndKeepTheirOwnHeads(int headLayers)
    {
        var ml = new MLContext(seed: 1);
        var widths = new[] { 40, 30 };
        var models = Enumerable.Range(0, 3).Select(i => RandomMlp(6, widths, 3, seed: (ulong)(200 + i))).ToList();
        try
        {
            var x = RandomInputs(400, 6, seed: 4);
            var data = ToDataView(ml, x, 6, 3);
            using var ensemble = ml.Subspaces().Connections.WeightAdjustedEnsemble(models, data, headLayers);
            Assert.Equal(3, ensemble.Members.Count);
            var layers = ensemble.Members.Select(m => ((SubspaceMlp)((SubspaceTransformer)m).Weights.Network).Layers).ToList();
            var own = models.Select(m => ((SubspaceMlp)m.Weights.Network).Layers).ToList();
            int adjusted = widths.Length + 1 - headLayers;
            for (int i = 0; i < 3; i++)
            {
                // The backbone: model 0's layers below the head, in every member.
                for (int l = 0; l < adjusted; l++)
                    Assert.True(layers[i][l].Weight.Points.eq(own[0][l].Weight.Points).all().item<bool>(), $"member {i}, layer {l}: not the shared backbone");
                // The head's later layers: the member's own.
                for (int l = adjusted + 1; l <= widths.Length; l++)
                    Assert.True(layers[i][l].Weight.Points.eq(own[i][l].Weight.Points).all().item<bool>(), $"member {i}, layer {l}: not its own head");
            }
            // Member 0 is model 0; the others' first head layer is re-solved, not copied.
            Assert.True(layers[0][adjusted].Weight.Points.eq(own[0][adjusted].Weight.Points).all().item<bool>());
            Assert.False(layers[1][adjusted].Weight.Points.allclose(own[1][adjusted].Weight.Points, rtol: 1e-3, atol: 1e-3));

            // One backbone and three heads.
            var spec = models[0].Network;
            long layer0 = (long)spec.InputSize * 40 + 40, layer1 = 40L * 30 + 30, layer2 = 30L * 3 + 3;
            long expected = headLayers == 1 ? layer0 + layer1 + 3 * layer2 : layer0 + 3 * (layer1 + layer2);
            Assert.Equal(expected, ConnectionsCatalog.WeightAdjustedEnsembleParameters(models[0], 3, headLayers));

            // The adjusted member predicts much as its model did: the head reads features close to its own.
            var p1 = models[1].PredictProbabilities(x);
            var wa1 = ((SubspaceTransformer)ensemble.Members[1]).PredictProbabilities(x);
            var p0 = models[0].PredictProbabilities(x);
            double agreeOwn = Agreement(p1, wa1, 3), agreeBase = Agreement(p0, wa1, 3);
            Assert.True(agreeOwn > agreeBase, $"member 1 agrees with its model on {agreeOwn:P0} of rows, with model 0 on {agreeBase:P0}");
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }

    [Fact]
    public void AHeadAsDeepAsTheNetworkIsRefused()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(6, new[] { 8 }, 3, seed: 1);
        using var b = RandomMlp(6, new[] { 8 }, 3, seed: 2);
        var data = ToDataView(ml, RandomInputs(20, 6, seed: 1), 6, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Subspaces().Connections.WeightAdjustedEnsemble(new[] { a, b }, data, headLayers: 2));
        Assert.Equal("headLayers", e.ParamName);
    }

    private static double Agreement(float[] p, float[] q, int classes)
    {
        int rows = p.Length / classes, same = 0;
        for (int r = 0; r < rows; r++)
        {
            int Arg(float[] x) { int best = 0; for (int c = 1; c < classes; c++) if (x[r * classes + c] > x[r * classes + best]) best = c; return best; }
            if (Arg(p) == Arg(q)) same++;
        }
        return same / (double)rows;
    }
}
