using System.Collections.Concurrent;
using System.Globalization;
using TorchSharp;
using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Trained weights shared, with a reference count, by a transformer and the transformers derived from it
/// (WithPoint, WithEnsemble), so that disposing one of them (a PredictionEngine disposes its model) does not
/// free weights another still uses. Caches the single-point networks materialized for prediction; for networks
/// with BatchNorm, each is given BatchNorm statistics recomputed for its point over <see cref="BatchNormSample"/>.
/// </summary>
internal sealed class SharedNetwork
{
    private const int MaxCachedPoints = 64;
    private readonly ConcurrentDictionary<string, Lazy<SubspaceNetwork>> _points = new();
    private int _references = 1;

    /// <param name="network">The trained network (owned).</param>
    /// <param name="batchNormSample">Training rows <c>[N, D]</c> (owned, CPU) over which BatchNorm statistics are recomputed for every point; null when the network has no BatchNorm.</param>
    /// <param name="batchNormBatchSize">Rows per batch of that recomputation.</param>
    public SharedNetwork(SubspaceNetwork network, Tensor? batchNormSample = null, int batchNormBatchSize = 128)
    {
        Network = network;
        BatchNormSample = batchNormSample;
        BatchNormBatchSize = batchNormBatchSize;
    }

    public SubspaceNetwork Network { get; }

    /// <summary>Training rows for recomputing BatchNorm statistics at a point, or null.</summary>
    public Tensor? BatchNormSample { get; }

    /// <summary>Rows per batch when recomputing BatchNorm statistics.</summary>
    public int BatchNormBatchSize { get; }

    private bool RecomputesStatistics => BatchNormSample is not null && Network.HasBatchNorm;

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
        BatchNormSample?.Dispose();
    }

    /// <summary>
    /// The network at the given mixing coefficients, built once and reused; with BatchNorm, its statistics are
    /// recomputed for that point (also for a standard model: the running statistics of training averaged over
    /// weights that kept changing).
    /// </summary>
    public SubspaceNetwork At(double[] coefficients)
    {
        if (Network.PointCount == 1 && !RecomputesStatistics) return Network;
        string key = string.Join(",", coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture)));
        if (_points.Count >= MaxCachedPoints && !_points.ContainsKey(key))
            _points.Clear(); // dropped networks are freed by the GC once no prediction uses them
        return _points.GetOrAdd(key, _ => new Lazy<SubspaceNetwork>(() => MaterializeWithStatistics(coefficients))).Value;
    }

    private SubspaceNetwork MaterializeWithStatistics(double[] coefficients)
    {
        var point = Network.Materialize(coefficients);
        if (RecomputesStatistics)
        {
            try { point.RecomputeBatchNormStatistics(BatchNormSample!, BatchNormBatchSize); }
            catch { point.Dispose(); throw; }
        }
        return point;
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
