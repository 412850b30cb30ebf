using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>One batch's draw: a coefficient vector per subspace layer, and the pair of points whose cos^2 is penalized (or none).</summary>
internal readonly record struct SampledPoint(double[][] Coefficients, (int J, int K)? Pair);

/// <summary>
/// The points a training run visits and each batch's cos^2 pair, drawn from one seeded stream in a fixed order (per
/// batch: the point, then the pair). The optimizer's step for batch t already needs batch t + 1's draw, because the
/// fused kernel writes the next mix and sums the next pair while it updates the weights; this type owns that early
/// draw (<see cref="Advance"/>) and knows whether the network already holds the current point's mix, so that the loop,
/// the optimizer and the network do not keep that state for one another.
/// </summary>
internal sealed class PointSampler
{
    private readonly SubspaceShape _shape;
    private readonly int _layerCount;
    private readonly int _pointCount;
    private readonly bool _layerWise;
    private readonly bool _regularize;
    private readonly Random _random;
    private SampledPoint? _current;
    private bool _currentMixed;

    /// <param name="shape">The shape points are drawn on.</param>
    /// <param name="layerCount">Subspace layers of the network (one coefficient vector each).</param>
    /// <param name="pointCount">Points k of the network; pairs are two different indices below it.</param>
    /// <param name="layerWise">Draw an independent point per layer, rather than one for the whole network.</param>
    /// <param name="regularize">Draw a cos^2 pair per batch (k &gt; 1 and beta &gt; 0).</param>
    /// <param name="seed">Seed of the stream.</param>
    public PointSampler(SubspaceShape shape, int layerCount, int pointCount, bool layerWise, bool regularize, int seed)
    {
        _shape = shape;
        _layerCount = layerCount;
        _pointCount = pointCount;
        _layerWise = layerWise;
        _regularize = regularize && pointCount > 1;
        _random = new Random(seed);
    }

    /// <summary>Points (with their pairs) drawn so far from the stream.</summary>
    public long Draws { get; private set; }

    /// <summary>
    /// Puts a new sampler where one that had drawn <paramref name="draws"/> times stood after an epoch: the stream replayed
    /// from the seed, the last draw current and not mixed (what a resumed fit needs).
    /// </summary>
    public void Replay(long draws)
    {
        if (Draws != 0) throw new InvalidOperationException("Only a new sampler can replay a stream.");
        SampledPoint? last = null;
        for (long i = 0; i < draws; i++) last = Draw();
        _current = last;
        _currentMixed = false;
    }

    /// <summary>The current batch's draw (the first call draws it).</summary>
    public SampledPoint Current => _current ??= Draw();

    /// <summary>Mixes the network at the current point, unless the step that drew it early already did.</summary>
    public void MixCurrent(SubspaceNetwork network)
    {
        if (!_currentMixed) network.Mix(Current.Coefficients);
        _currentMixed = true;
    }

    /// <summary>
    /// Draws the next batch's point and pair and makes it current; the caller hands it to the optimizer step, which
    /// leaves the network mixed at it.
    /// </summary>
    public SampledPoint Advance()
    {
        _current = Draw();
        _currentMixed = true;
        return _current.Value;
    }

    /// <summary>Clears the network's mix (between epochs, before evaluating); the next batch mixes its point again.</summary>
    public void ClearMixing(SubspaceNetwork network)
    {
        network.ClearMixing();
        _currentMixed = false;
    }

    private SampledPoint Draw()
    {
        Draws++;
        var coefficients = DrawCoefficients();
        (int J, int K)? pair = _regularize ? DrawPair() : null;
        return new SampledPoint(coefficients, pair);
    }

    /// <summary>The same coefficients for every layer, or (layer-wise) one draw per layer.</summary>
    private double[][] DrawCoefficients()
    {
        // Sampled positions are on the shape: no validation needed.
        if (_layerWise) return Enumerable.Range(0, _layerCount).Select(_ => _shape.CoefficientsUnchecked(_shape.Sample(_random))).ToArray();
        var c = _shape.CoefficientsUnchecked(_shape.Sample(_random));
        return Enumerable.Repeat(c, _layerCount).ToArray();
    }

    /// <summary>A random pair of different points.</summary>
    private (int J, int K) DrawPair()
    {
        int j = _random.Next(_pointCount);
        int m = _random.Next(_pointCount - 1);
        if (m >= j) m++;
        return (j, m);
    }
}
