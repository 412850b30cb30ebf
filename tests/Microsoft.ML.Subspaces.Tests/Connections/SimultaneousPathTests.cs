using Microsoft.ML;
using Microsoft.ML.Subspaces.Connections;
using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Transformers;
using static Microsoft.ML.Subspaces.Tests.Connections.ConnectionTestModels;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Tests.Connections;

/// <summary>The paper's Linear and Arc on deep MLPs: every layer moves at once.</summary>
public class SimultaneousPathTests
{
    [Fact]
    public void DeepLinearMidpointIsTheElementwiseMeanOfTheTwoNetworks()
    {
        var ml = new MLContext(seed: 1);
        using var a = RandomMlp(7, new[] { 12, 11, 10 }, 3, seed: 91);
        using var b = RandomMlp(7, new[] { 12, 11, 10 }, 3, seed: 92);
        using var path = ml.Subspaces().Connections.Linear(a, b);
        Assert.Equal("Linear", path.Method);
        Assert.Equal(1, path.TransitionCount);
        using var middle = path.AtPoint(0.5);
        var la = ((SubspaceMlp)a.Weights.Network).Layers;
        var lb = ((SubspaceMlp)b.Weights.Network).Layers;
        var lm = ((SubspaceMlp)middle.Weights.Network).Layers;
        for (int l = 0; l < la.Count; l++)
        {
            using var w = la[l].Weight.Points.add(lb[l].Weight.Points).div_(2);
            using var bias = la[l].Bias.Points.add(lb[l].Bias.Points).div_(2);
            Assert.True(lm[l].Weight.Points.sub(w).abs().max().item<float>() < 1e-6, $"layer {l} weights are not the mean");
            Assert.True(lm[l].Bias.Points.sub(bias).abs().max().item<float>() < 1e-6, $"layer {l} biases are not the mean");
        }

        // The layer-by-layer construction, kept as an option, is another path: its midpoint is not the mean.
        using var layered = ml.Subspaces().Connections.Connect(a, b, new ConnectionOptions { LayerByLayer = true });
        Assert.Equal("Linear (layer by layer)", layered.Method);
        Assert.Equal(3, layered.TransitionCount);
        using var layeredMiddle = layered.AtPoint(0.5);
        var ll = ((SubspaceMlp)layeredMiddle.Weights.Network).Layers;
        using var mean0 = la[0].Weight.Points.add(lb[0].Weight.Points).div_(2);
        Assert.True(ll[0].Weight.Points.sub(mean0).abs().max().item<float>() > 1e-3);
    }

    // Widths chosen so that every group of rows has at least 2d + 1 rows of dimension d (see Pair).
    private static readonly int[] Hidden = { 8, 20, 52 };
    private const int Inputs = 2, Classes = 4;

    [Fact]
    public void DeepArcKeepsThePooledMeanAndCovarianceOfEveryLayersRowsAtEveryPoint()
    {
        var ml = new MLContext(seed: 1);
        var (a, b) = Pair();
        using (a)
        using (b)
        {
            var groupsA = Groups(a);
            var groupsB = Groups(b);
            using var arc = ml.Subspaces().Connections.Arc(a, b);
            Assert.Equal(1, arc.TransitionCount);
            foreach (var t in new[] { 0.0, 0.1, 0.25, 1.0 / 3, 0.5, 0.6, 0.8, 0.95, 1.0 })
            {
                using var point = arc.AtPoint(t);
                var groups = Groups(point);
                for (int g = 0; g < groups.Length; g++)
                {
                    var (mean, covariance) = Moments(cat(new[] { groupsA[g], groupsB[g] }, 0));
                    var (m, c) = Moments(groups[g]);
                    double scale = covariance.abs().max().item<double>();
                    Assert.True(m.sub(mean).abs().max().item<double>() < 1e-4 * (1 + mean.abs().max().item<double>()), $"group {g}: mean moved at t = {t}");
                    Assert.True(c.sub(covariance).abs().max().item<double>() < 1e-4 * scale, $"group {g}: covariance moved at t = {t}");
                }
            }

            // The segment shrinks every group's covariance (by half at the midpoint): the check above tells them apart.
            using var linear = ml.Subspaces().Connections.Linear(a, b);
            using var middle = linear.AtPoint(0.5);
            var linearGroups = Groups(middle);
            for (int g = 0; g < linearGroups.Length; g++)
            {
                var (_, covariance) = Moments(cat(new[] { groupsA[g], groupsB[g] }, 0));
                var (_, c) = Moments(linearGroups[g]);
                Assert.True(c.sub(covariance.mul(0.5)).abs().max().item<double>() < 1e-4 * covariance.abs().max().item<double>(), $"group {g}");
            }
        }
    }

    /// <summary>
    /// Two networks whose rows, in every group, are <c>mu + D</c> and <c>mu + E</c> with D and E of mean zero,
    /// orthogonal (<c>D^T E = 0</c>) and of equal Gram matrix: exactly the case where the arc keeps the pooled
    /// moments, without sampling error.
    /// </summary>
    private static (SubspaceTransformer A, SubspaceTransformer B) Pair()
    {
        using var generator = new TorchSharp.torch.Generator(5, CPU);
        var spec = new NetworkSpec { InputSize = Inputs, HiddenSizes = Hidden, ClassCount = Classes };
        var na = new SubspaceMlp(spec);
        var nb = new SubspaceMlp(spec);
        using (no_grad())
        {
            int last = Hidden.Length - 1;
            var rowsA = new Tensor[Hidden.Length + 1];
            var rowsB = new Tensor[Hidden.Length + 1];
            for (int g = 0; g <= Hidden.Length; g++)
            {
                int n = g < Hidden.Length ? Hidden[g] : Classes;
                int d = g < last ? (g == 0 ? Inputs : Hidden[g - 1]) + 1 : g == last ? Hidden[g - 1] + 1 + Classes : 1;
                Assert.True(n >= 2 * d + 1, $"group {g} needs at least {2 * d + 1} rows");
                // Q: an orthonormal basis whose first column is constant, so the other columns have mean zero.
                var m = randn(new long[] { n, n }, dtype: ScalarType.Float64, generator: generator);
                m[TensorIndex.Colon, 0] = ones(n, dtype: ScalarType.Float64);
                var (q, _) = linalg.qr(m);
                var r = randn(new long[] { d, d }, dtype: ScalarType.Float64, generator: generator);
                var mu = randn(new long[] { d }, dtype: ScalarType.Float64, generator: generator);
                rowsA[g] = q.narrow(1, 1, d).matmul(r).mul(Math.Sqrt(n)).add(mu);
                rowsB[g] = q.narrow(1, 1 + d, d).matmul(r).mul(Math.Sqrt(n)).add(mu);
            }
            Fill(na, rowsA);
            Fill(nb, rowsB);
        }
        return (Wrap(na, Classes), Wrap(nb, Classes));

        static void Fill(SubspaceMlp network, Tensor[] rows)
        {
            int last = Hidden.Length - 1;
            var layers = network.Layers;
            for (int k = 0; k <= last; k++)
            {
                var x = rows[k].to_type(ScalarType.Float32);
                long inputs = layers[k].Weight.Points.shape[2];
                layers[k].Weight.Points[0].copy_(x.narrow(1, 0, inputs));
                layers[k].Bias.Points[0].copy_(x.select(1, inputs));
                if (k == last) layers[k + 1].Weight.Points[0].copy_(x.narrow(1, inputs + 1, Classes).T);
            }
            layers[last + 1].Bias.Points[0].copy_(rows[last + 1].squeeze(1).to_type(ScalarType.Float32));
        }
    }

    /// <summary>The groups of rows the arc moves: [W_k | b_k] for the first hidden layers, [W | b | out] for the last, the output bias.</summary>
    private static Tensor[] Groups(SubspaceTransformer model)
    {
        var layers = ((SubspaceMlp)model.Weights.Network).Layers;
        int last = layers.Count - 2;
        Tensor Rows(int k, bool outgoing)
        {
            var parts = new List<Tensor> { layers[k].Weight.Points[0], layers[k].Bias.Points[0].unsqueeze(1) };
            if (outgoing) parts.Add(layers[k + 1].Weight.Points[0].T);
            return cat(parts.ToArray(), 1).to_type(ScalarType.Float64);
        }
        var groups = new List<Tensor>();
        for (int k = 0; k <= last; k++) groups.Add(Rows(k, k == last));
        groups.Add(layers[last + 1].Bias.Points[0].unsqueeze(1).to_type(ScalarType.Float64));
        return groups.ToArray();
    }

    private static (Tensor Mean, Tensor Covariance) Moments(Tensor rows)
    {
        var mean = rows.mean(new long[] { 0 });
        var centered = rows.sub(mean);
        return (mean, centered.T.matmul(centered).div_(rows.shape[0]));
    }
}
