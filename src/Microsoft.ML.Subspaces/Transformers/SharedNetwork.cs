using Microsoft.ML.Subspaces.Runtime;
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
    private const int DefaultCachedPoints = 64;
    // Grows to the largest ensemble predicted with (at most SubspaceEnsemble.MaxMembers): an ensemble of more points than
    // the cache holds would evict and rebuild every network on every batch.
    private int _capacity = DefaultCachedPoints;
    private readonly ConcurrentDictionary<string, Lazy<CachedPoint>> _points = new();
    private readonly Holds _holds;

    /// <param name="network">The trained network (owned).</param>
    /// <param name="batchNormSample">Training rows <c>[N, D]</c> (owned, CPU) over which BatchNorm statistics are recomputed for every point; null when the network has no BatchNorm.</param>
    /// <param name="batchNormBatchSize">Rows per batch of that recomputation.</param>
    public SharedNetwork(SubspaceNetwork network, Tensor? batchNormSample = null, int batchNormBatchSize = 128)
    {
        Network = network;
        BatchNormSample = batchNormSample;
        BatchNormBatchSize = batchNormBatchSize;
        _holds = new Holds(Free);
    }

    public SubspaceNetwork Network { get; }

    /// <summary>Training rows for recomputing BatchNorm statistics at a point, or null.</summary>
    public Tensor? BatchNormSample { get; }

    /// <summary>Rows per batch when recomputing BatchNorm statistics.</summary>
    public int BatchNormBatchSize { get; }

    /// <summary>Networks currently cached for prediction points (at most 64, or the largest ensemble predicted with).</summary>
    internal int CachedPointCount => _points.Count;

    private bool RecomputesStatistics => BatchNormSample is not null && Network.HasBatchNorm;

    /// <summary>Another hold on these weights, for a transformer that shares them.</summary>
    public SharedNetwork Acquire()
    {
        _holds.Take("model's weights");
        return this;
    }

    /// <summary>Drops a transformer's hold; the last one frees the network, the cached points and the BatchNorm rows.</summary>
    public void Release() => _holds.Drop();

    private void Free()
    {
        foreach (var key in _points.Keys) Evict(key);
        Network.Dispose();
        BatchNormSample?.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="use"/> on the network at the given mixing coefficients, built once and reused; with BatchNorm,
    /// its statistics are recomputed for that point (also for a standard model: the running statistics of training
    /// averaged over weights that kept changing). A point evicted from the cache meanwhile is freed when its last use ends.
    /// </summary>
    public T UseAt<T>(double[] coefficients, Func<SubspaceNetwork, T> use)
    {
        if (Network.PointCount == 1 && !RecomputesStatistics) return use(Network);
        string key = string.Join(",", coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture)));
        while (true)
        {
            if (_points.Count >= Volatile.Read(ref _capacity) && !_points.ContainsKey(key))
                foreach (var old in _points.Keys) Evict(old); // freed now, or when their last prediction ends
            var point = _points.GetOrAdd(key, _ => new Lazy<CachedPoint>(() => new CachedPoint(MaterializeWithStatistics(coefficients)))).Value;
            if (!point.Holds.TryTake()) continue; // evicted and freed between the lookup and the hold: build it again
            try { return use(point.Network); }
            finally { point.Holds.Drop(); }
        }
    }

    private void Evict(string key)
    {
        if (_points.TryRemove(key, out var entry) && entry.IsValueCreated) entry.Value.Holds.Drop();
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

    /// <summary>Mean predictions (class probabilities, binary probabilities or regression values) over the networks at several coefficient vectors.</summary>
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
        for (int capacity; (capacity = Volatile.Read(ref _capacity)) < coefficients.Count;)
            Interlocked.CompareExchange(ref _capacity, coefficients.Count, capacity);
        Tensor? sum = null;
        foreach (var c in coefficients)
        {
            var p = UseAt(c, network => NetworkPredictions.Of(network.Spec, network.forward(x)));
            sum = sum is null ? p : sum.Plus_(p);
        }
        if (coefficients.Count > 1) sum!.DividedBy_(coefficients.Count);
        return sum!.cpu().data<float>().ToArray();
    }

    /// <summary>A network cached for one prediction point: the cache's hold plus one per use in progress.</summary>
    private sealed class CachedPoint
    {
        public CachedPoint(SubspaceNetwork network)
        {
            Network = network;
            Holds = new Holds(network.Dispose);
        }

        public SubspaceNetwork Network { get; }
        public Holds Holds { get; }
    }
}
