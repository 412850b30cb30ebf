using System.Collections.Concurrent;
using System.Globalization;
using TorchSharp;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Trained weights shared, with a reference count, by a transformer and the transformers derived from it
/// (WithPoint, WithEnsemble), so that disposing one of them (a PredictionEngine disposes its model) does not
/// free weights another still uses. Caches the single-point networks materialized for prediction.
/// </summary>
internal sealed class SharedNetwork
{
    private const int MaxCachedPoints = 64;
    private readonly ConcurrentDictionary<string, Lazy<SubspaceNetwork>> _points = new();
    private int _references = 1;

    public SharedNetwork(SubspaceNetwork network) => Network = network;

    public SubspaceNetwork Network { get; }

    public SharedNetwork Acquire()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new ObjectDisposedException(nameof(SharedNetwork), "The model's weights were already released.");
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        foreach (var p in _points.Values) if (p.IsValueCreated) p.Value.Dispose();
        _points.Clear();
        Network.Dispose();
    }

    /// <summary>The network at the given mixing coefficients, built once and reused.</summary>
    public SubspaceNetwork At(double[] coefficients)
    {
        if (Network.PointCount == 1) return Network;
        string key = string.Join(",", coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture)));
        if (_points.Count >= MaxCachedPoints && !_points.ContainsKey(key))
            _points.Clear(); // dropped networks are freed by the GC once no prediction uses them
        return _points.GetOrAdd(key, _ => new Lazy<SubspaceNetwork>(() => Network.Materialize(coefficients))).Value;
    }

    /// <summary>Mean softmax probabilities over the networks at several coefficient vectors.</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> features, int rows, IReadOnlyList<double[]> coefficients)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var device = Network.Device;
        // tensor(float[]) wraps the managed array; MKL's CPU GEMM picks its code path by the input's alignment, so
        // computing on it directly gives scores that differ in the last bits from call to call. Copy the features
        // into memory libtorch allocates (aligned) so that the same rows always get the same scores.
        var wrapped = tensor(features.ToArray(), new long[] { rows, features.Length / rows });
        var x = device.type == DeviceType.CPU ? wrapped.clone() : wrapped.to(device);
        Tensor? sum = null;
        foreach (var c in coefficients)
        {
            var p = nn.functional.softmax(At(c).forward(x), 1);
            sum = sum is null ? p : sum.add_(p);
        }
        if (coefficients.Count > 1) sum!.div_(coefficients.Count);
        return sum!.cpu().data<float>().ToArray();
    }
}
