using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// A training-free connection between two MLPs as a pure function of t in [0, 1]: the weights of every layer.
/// The path runs through networks <c>Theta_0 = A, Theta_1, ..., Theta_T</c> (B with its hidden neurons
/// permuted when aligned by optimal transport, the same function as B); transition i goes from <c>Theta_i</c> to
/// <c>Theta_{i+1}</c> over its span of t: <c>[i / T, (i + 1) / T]</c> by default, or the spans of
/// <see cref="TransitionEnds"/> (optimal transport: the connection in [0, 1/2], the swaps back to B in [1/2, 1]).
/// t = 0 is A's weights and t = 1 is B's, exactly. Owns its tensors (float64, CPU).
/// </summary>
internal sealed class ConnectionPath : IDisposable
{
    private int _disposed;

    public ConnectionPath(NetworkSpec spec, ConnectionMethod method, MlpWeights a, MlpWeights b, IReadOnlyList<Transition> transitions, Tensor? sample,
        IReadOnlyList<double>? transitionEnds = null)
    {
        if (transitions.Count == 0) throw new ArgumentException("A path needs at least one transition.", nameof(transitions));
        if (transitionEnds is not null)
        {
            if (transitionEnds.Count != transitions.Count || transitionEnds[^1] != 1
                || transitionEnds.Select((e, i) => (e, i)).Any(x => !(x.e > (x.i == 0 ? 0 : transitionEnds[x.i - 1]) && x.e <= 1)))
                throw new ArgumentException("Transition ends must increase strictly to 1, one per transition.", nameof(transitionEnds));
            TransitionEnds = transitionEnds.ToArray();
        }
        Spec = spec.WithPointCount(1);
        Method = method;
        A = a;
        B = b;
        Transitions = transitions;
        Sample = sample;
    }

    public NetworkSpec Spec { get; }
    public ConnectionMethod Method { get; }

    /// <summary>The first network (t = 0).</summary>
    public MlpWeights A { get; }

    /// <summary>The second network as given (t = 1).</summary>
    public MlpWeights B { get; }

    public IReadOnlyList<Transition> Transitions { get; }

    /// <summary>The t at which each transition ends (the last is 1); null when t is split evenly.</summary>
    public IReadOnlyList<double>? TransitionEnds { get; }

    /// <summary>
    /// Ends for a path of two stages: the first <paramref name="firstStage"/> transitions (the connection proper) share
    /// t in [0, 1/2] evenly, and the rest (optimal transport's second stage) share [1/2, 1] in proportion to their
    /// lengths in weight space, a transition of no length getting a sliver. The first stage keeps half of t however
    /// long the second is, so that a path evaluated at evenly spaced t looks at the connection as closely as at the swaps.
    /// </summary>
    public static double[] TwoStageEnds(IReadOnlyList<Transition> transitions, int firstStage)
    {
        if (firstStage < 1 || firstStage >= transitions.Count) throw new ArgumentOutOfRangeException(nameof(firstStage));
        var ends = new double[transitions.Count];
        for (int i = 0; i < firstStage; i++) ends[i] = 0.5 * (i + 1) / firstStage;
        var lengths = transitions.Skip(firstStage).Select(t => t.Length).ToArray();
        double total = lengths.Sum();
        lengths = total > 0 ? lengths.Select(l => Math.Max(l, 1e-9 * total)).ToArray() : lengths.Select(_ => 1.0).ToArray();
        total = lengths.Sum();
        double sum = 0;
        for (int i = 0; i < lengths.Length; i++) ends[firstStage + i] = 0.5 + 0.5 * (sum += lengths[i]) / total;
        ends[^1] = 1;
        return ends;
    }

    /// <summary>The training inputs weight adjustment re-solves on at every point (float64 <c>[N, in]</c>); null for other methods.</summary>
    public Tensor? Sample { get; }

    /// <summary>
    /// The weights at <paramref name="t"/>. New tensors belong to the caller's dispose scope; the path's own
    /// tensors may be returned too and must not be disposed by the caller.
    /// </summary>
    public MlpWeights At(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (t == 0) return A;
        if (t == 1) return B;
        (int index, double s) = Locate(t);
        return Transitions[index].At(s);
    }

    /// <summary>The transition t falls in and the position s in [0, 1] within it.</summary>
    public (int Index, double S) Locate(double t)
    {
        if (TransitionEnds is { } ends)
        {
            int i = 0;
            while (i < ends.Count - 1 && t > ends[i]) i++;
            double from = i == 0 ? 0 : ends[i - 1];
            return (i, Math.Clamp((t - from) / (ends[i] - from), 0, 1));
        }
        int count = Transitions.Count;
        double x = t * count;
        int index = Math.Min((int)Math.Floor(x), count - 1);
        return (index, x - index);
    }

    /// <summary>A one-point network with the weights at <paramref name="t"/>, in eval mode, outside any dispose scope.</summary>
    public SubspaceMlp Materialize(double t, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return At(t).ToNetwork(Spec, device);
    }

    /// <summary>Every tensor the path owns, once each.</summary>
    public IEnumerable<Tensor> OwnedTensors
    {
        get
        {
            var set = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            foreach (var t in A.Tensors.Concat(B.Tensors)) set.Add(t);
            foreach (var tr in Transitions)
            {
                foreach (var t in tr.Start.Tensors.Concat(tr.End.Tensors).Concat(tr.OwnTensors)) set.Add(t);
            }
            if (Sample is not null) set.Add(Sample);
            return set;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var t in OwnedTensors) t.Dispose();
    }
}

/// <summary>
/// Which connection a path is: the neuron interpolation; how B's neurons are aligned first (optimal transport, or
/// weight matching over all layers); whether weight adjustment or REPAIR is on; and whether the layers move one at a
/// time through intermediate networks (always so with weight adjustment).
/// </summary>
internal sealed record ConnectionMethod(ConnectionKind Kind, bool OptimalTransport, bool WeightAdjustment, bool LayerByLayer = false,
    bool WeightMatching = false, bool Repair = false)
{
    /// <summary>True when B's neurons are reordered before the path (and swapped back in a second stage).</summary>
    public bool Aligned => OptimalTransport || WeightMatching;

    /// <summary>
    /// "Linear", "Arc", "OT+Linear", "OT+Arc", "WM+Linear+REPAIR", "Linear+WA", "Arc+WA", "OT+Linear+WA", "OT+Arc+WA";
    /// the layer-by-layer construction without weight adjustment adds " (layer by layer)".
    /// </summary>
    public string Name => (OptimalTransport ? "OT+" : WeightMatching ? "WM+" : "") + Kind
        + (WeightAdjustment ? "+WA" : "") + (Repair ? "+REPAIR" : "") + (LayerByLayer && !WeightAdjustment ? " (layer by layer)" : "");

    public override string ToString() => Name;
}
