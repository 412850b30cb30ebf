namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// A serializable description of a network's architecture, enough to rebuild it before loading weights.
/// </summary>
public sealed record NetworkSpec
{
    /// <summary>Architecture kind: "mlp".</summary>
    public string Kind { get; init; } = "mlp";
    /// <summary>Number of input features.</summary>
    public int InputSize { get; init; }
    /// <summary>Hidden layer widths of an MLP.</summary>
    public int[] HiddenSizes { get; init; } = Array.Empty<int>();
    /// <summary>Number of classes (width of the last layer).</summary>
    public int ClassCount { get; init; }
    /// <summary>Number of weight points k in every layer.</summary>
    public int PointCount { get; init; } = 1;

    /// <summary>The same architecture with another number of points.</summary>
    public NetworkSpec WithPointCount(int points) => this with { PointCount = points };

    /// <summary>True when two specs describe the same architecture (ignoring the number of points).</summary>
    public bool SameArchitecture(NetworkSpec other) =>
        Kind == other.Kind && InputSize == other.InputSize && ClassCount == other.ClassCount && HiddenSizes.SequenceEqual(other.HiddenSizes);

    /// <summary>"mlp 784-512-512-10".</summary>
    public string Describe() => $"{Kind} {string.Join("-", new[] { InputSize }.Concat(HiddenSizes).Append(ClassCount))}";
}
