using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Export;

/// <summary>
/// An ONNX graph under construction: float inputs and outputs with a symbolic batch dimension, initializers copied
/// from tensors, and nodes of the default operator set, each value given a unique name.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The operator set the nodes are written for (supported by ONNX Runtime since 1.7).</summary>
    public const int OpsetVersion = 13;

    /// <summary>The name of the batch dimension of every input and output.</summary>
    public const string BatchDimension = "N";

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public OnnxGraph(string name) => _graph = new GraphProto { Name = name };

    /// <summary>A name no value of the graph has yet, built from <paramref name="stem"/>.</summary>
    public string Unique(string stem)
    {
        if (_names.Add(stem)) return stem;
        for (int i = 1; ; i++)
            if (_names.Add($"{stem}_{i}")) return $"{stem}_{i}";
    }

    /// <summary>Declares a float input <c>[N, width]</c> under exactly <paramref name="name"/>.</summary>
    public string AddInput(string name, long width)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The graph already has a value named '{name}'.");
        _graph.Input.Add(Value(name, TensorProto.Types.DataType.Float, width));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as an output <c>[N]</c> or <c>[N, width]</c> of the given element type.</summary>
    public void AddOutput(string value, TensorProto.Types.DataType type, long? width) =>
        _graph.Output.Add(width is long w ? Value(value, type, w) : Value(value, type));

    /// <summary>A float initializer holding a copy of <paramref name="values"/> (any device, any shape unless <paramref name="shape"/> is given).</summary>
    public string Constant(string stem, Tensor values, long[]? shape = null)
    {
        using var scope = NewDisposeScope();
        var cpu = values.detach().to_type(ScalarType.Float32).cpu().contiguous();
        var data = cpu.data<float>().ToArray();
        return Constant(stem, data, shape ?? cpu.shape);
    }

    /// <summary>A float initializer of the given shape.</summary>
    public string Constant(string stem, float[] data, long[] shape)
    {
        string name = Unique(stem);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape);
        // Raw little-endian bytes: the compact encoding ONNX Runtime reads directly.
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        tensor.RawData = ByteString.CopyFrom(bytes);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 initializer (a shape, say).</summary>
    public string Int64Constant(string stem, long[] values)
    {
        string name = Unique(stem);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node of <paramref name="op"/> with one output named from <paramref name="stem"/>, and returns that name.</summary>
    public string Node(string op, string stem, string[] inputs, params (string Name, object Value)[] attributes) =>
        NodeNamed(op, Unique(stem), inputs, attributes);

    /// <summary>Adds a node of <paramref name="op"/> whose output is exactly <paramref name="output"/> (a graph output).</summary>
    public string NodeNamed(string op, string output, string[] inputs, params (string Name, object Value)[] attributes)
    {
        _names.Add(output);
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>
    /// What a network's outputs <c>[N, outputs]</c> become, as <c>NetworkPredictions.Of</c> computes it: class probabilities
    /// (softmax), the positive and the negative class's probabilities <c>[N, 2]</c> (sigmoid of the logit and of its
    /// negation), or the label in its units (<c>output * TargetStd + TargetMean</c>).
    /// </summary>
    public string Predictions(Networks.NetworkSpec spec, string outputs) => spec.Output switch
    {
        Networks.NetworkOutput.Softmax => Node("Softmax", outputs + "_probabilities", new[] { outputs }, ("axis", 1L)),
        Networks.NetworkOutput.Sigmoid => Node("Concat", outputs + "_probabilities", new[]
        {
            Logistic(outputs + "_positive", Node("Neg", outputs + "_negated", new[] { outputs })),
            Logistic(outputs + "_negative", outputs),
        }, ("axis", 1L)),
        Networks.NetworkOutput.Linear => Node("Add", outputs + "_value", new[]
        {
            Node("Mul", outputs + "_scaled", new[] { outputs, Constant(outputs + "_target_std", new[] { (float)spec.TargetStd }, Array.Empty<long>()) }),
            Constant(outputs + "_target_mean", new[] { (float)spec.TargetMean }, Array.Empty<long>()),
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Output, "Unknown network output."),
    };

    /// <summary>
    /// <c>1 / (1 + exp(<paramref name="negatedLogit"/>))</c>, the logistic function of the logit, written out: ONNX Runtime's
    /// <c>Sigmoid</c> returns exactly 0 below a logit of about -17, where the probability (about 4e-8) is still a float and
    /// the binary <c>Score</c> needs it.
    /// </summary>
    private string Logistic(string output, string negatedLogit) => Node("Reciprocal", output, new[]
    {
        Node("Add", output + "_denominator", new[] { Constant(output + "_one", new[] { 1f }, Array.Empty<long>()), Node("Exp", output + "_exp", new[] { negatedLogit }) }),
    });

    /// <summary>The mean of same-shaped values: the sum, divided by their count (the value itself when there is one).</summary>
    public string Mean(string stem, IReadOnlyList<string> values)
    {
        if (values.Count == 0) throw new ArgumentException("Nothing to average.", nameof(values));
        if (values.Count == 1) return values[0];
        var sum = Node("Sum", stem + "_sum", values.ToArray());
        var count = Constant(stem + "_count", new float[] { values.Count }, Array.Empty<long>());
        return Node("Div", stem, new[] { sum, count });
    }

    /// <summary>The model: this graph, the default operator set, producer and description.</summary>
    public ModelProto ToModel(string producerVersion, string description) => new()
    {
        IrVersion = 7, // the IR of opset 13; any ONNX Runtime since 1.7 reads it
        ProducerName = "Microsoft.ML.Subspaces",
        ProducerVersion = producerVersion,
        DocString = description,
        Graph = _graph,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = OpsetVersion } },
    };

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)f },
        long[] ints => Ints(name, ints),
        _ => throw new ArgumentException($"Unsupported ONNX attribute value {value.GetType().Name} for '{name}'.", nameof(value)),
    };

    private static AttributeProto Ints(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long[] widths)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        foreach (var w in widths) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = w });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
