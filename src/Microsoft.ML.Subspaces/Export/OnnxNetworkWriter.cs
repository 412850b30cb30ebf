using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Export;

/// <summary>
/// Writes a one-point network (a materialized point, with its BatchNorm statistics) into an <see cref="OnnxGraph"/> as
/// the operations its <c>forward</c> runs in eval mode: input standardization, then the MLP, ConvNet or ResNet-20.
/// BatchNorm is exported with the point's statistics as ONNX <c>BatchNormalization</c> (ONNX Runtime folds it into the
/// convolution itself); dropout, inactive at prediction, is left out.
/// </summary>
internal sealed class OnnxNetworkWriter
{
    private readonly OnnxGraph _graph;
    private readonly string _prefix;

    /// <param name="graph">The graph to add to.</param>
    /// <param name="prefix">Prefix of this network's value names (members of an ensemble share one graph).</param>
    public OnnxNetworkWriter(OnnxGraph graph, string prefix)
    {
        _graph = graph;
        _prefix = prefix;
    }

    /// <summary>Adds the network applied to <paramref name="input"/> (<c>[N, D]</c> floats) and returns the name of its logits <c>[N, classes]</c>.</summary>
    /// <exception cref="InvalidOperationException">The network holds several points (materialize one first).</exception>
    /// <exception cref="NotSupportedException">The network is of an architecture the exporter does not know.</exception>
    public string Write(SubspaceNetwork network, string input)
    {
        if (network.PointCount != 1)
            throw new InvalidOperationException($"Only a single point of a subspace can be exported; the network holds {network.PointCount}.");
        return network switch
        {
            SubspaceMlp mlp => Mlp(mlp, input),
            SubspaceConvNet convNet => ConvNet(convNet, input),
            SubspaceResNet20 resNet => ResNet20(resNet, input),
            _ => throw new NotSupportedException($"ONNX export does not know the {network.GetType().Name} architecture."),
        };
    }

    private string Name(string stem) => _prefix + stem;

    private string Mlp(SubspaceMlp mlp, string input)
    {
        var x = Standardize(mlp.Standardization, input);
        var layers = mlp.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            x = Linear(layers[i], x, $"fc{i + 1}");
            if (i + 1 < layers.Count) x = _graph.Node("Relu", Name($"relu{i + 1}"), new[] { x });
        }
        return x;
    }

    private string ConvNet(SubspaceConvNet net, string input)
    {
        var x = Standardize(net.Standardization, Images(net.Spec, input));
        int i = 0;
        foreach (var (conv, norm) in net.Blocks)
        {
            i++;
            x = _graph.Node("Relu", Name($"relu{i}"), new[] { BatchNorm(norm, Conv(conv, x, $"conv{i}"), $"bn{i}") });
            x = _graph.Node("MaxPool", Name($"pool{i}"), new[] { x },
                ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        }
        x = _graph.Node("Flatten", Name("flatten"), new[] { x }, ("axis", 1L));
        return Linear(net.Classifier, x, "classifier");
    }

    private string ResNet20(SubspaceResNet20 net, string input)
    {
        var x = Standardize(net.Standardization, Images(net.Spec, input));
        x = _graph.Node("Relu", Name("relu"), new[] { BatchNorm(net.Stem.Norm, Conv(net.Stem.Conv, x, "conv"), "bn") });
        int b = 0;
        foreach (var block in net.Blocks)
        {
            b++;
            string s = $"block{b}_";
            var h = _graph.Node("Relu", Name(s + "relu1"), new[] { BatchNorm(block.First.Norm, Conv(block.First.Conv, x, s + "conv1"), s + "bn1") });
            var o = BatchNorm(block.Second.Norm, Conv(block.Second.Conv, h, s + "conv2"), s + "bn2");
            var shortcut = block.Shortcut is { } projection
                ? BatchNorm(projection.Norm, Conv(projection.Conv, x, s + "shortcut_conv"), s + "shortcut_bn")
                : x;
            x = _graph.Node("Relu", Name(s + "relu2"), new[] { _graph.Node("Add", Name(s + "add"), new[] { o, shortcut }) });
        }
        x = _graph.Node("GlobalAveragePool", Name("pool"), new[] { x });
        x = _graph.Node("Flatten", Name("flatten"), new[] { x }, ("axis", 1L));
        return Linear(net.Classifier, x, "classifier");
    }

    /// <summary><c>[N, C*H*W]</c> to <c>[N, C, H, W]</c>, as <c>ImageInput.ToImages</c> views it.</summary>
    private string Images(NetworkSpec spec, string input)
    {
        var s = spec.InputShape;
        var shape = _graph.Int64Constant(Name("image_shape"), new long[] { -1, s[0], s[1], s[2] });
        return _graph.Node("Reshape", Name("images"), new[] { input, shape });
    }

    private string Standardize(InputStandardization? standardization, string x)
    {
        if (standardization is null) return x;
        var mean = _graph.Constant(Name("input_mean"), standardization.Mean);
        var inverseStd = _graph.Constant(Name("input_inverse_std"), standardization.InverseStd);
        var centered = _graph.Node("Sub", Name("centered"), new[] { x, mean });
        return _graph.Node("Mul", Name("standardized"), new[] { centered, inverseStd });
    }

    private string Linear(SubspaceLinear layer, string x, string stem)
    {
        var weight = _graph.Constant(Name(stem + "_weight"), layer.Weight.Points[0]);
        var bias = _graph.Constant(Name(stem + "_bias"), layer.Bias.Points[0]);
        return _graph.Node("Gemm", Name(stem), new[] { x, weight, bias }, ("transB", 1L));
    }

    private string Conv(SubspaceConv2d layer, string x, string stem)
    {
        var inputs = new List<string> { x, _graph.Constant(Name(stem + "_weight"), layer.Weight.Points[0]) };
        if (layer.Bias is { } bias) inputs.Add(_graph.Constant(Name(stem + "_bias"), bias.Points[0]));
        long k = layer.KernelSize, p = layer.Padding, s = layer.Stride;
        return _graph.Node("Conv", Name(stem), inputs.ToArray(),
            ("kernel_shape", new[] { k, k }), ("strides", new[] { s, s }), ("pads", new[] { p, p, p, p }));
    }

    private string BatchNorm(SubspaceBatchNorm2d layer, string x, string stem) =>
        _graph.Node("BatchNormalization", Name(stem), new[]
        {
            x,
            _graph.Constant(Name(stem + "_scale"), layer.Scale.Points[0]),
            _graph.Constant(Name(stem + "_shift"), layer.Shift.Points[0]),
            _graph.Constant(Name(stem + "_mean"), layer.RunningMean),
            _graph.Constant(Name(stem + "_var"), layer.RunningVariance),
        }, ("epsilon", layer.Epsilon));
}
