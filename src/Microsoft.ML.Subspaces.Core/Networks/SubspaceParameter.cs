using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// One parameter of a subspace layer: k weight points stacked along dimension 0 (<c>[k, ...]</c>).
/// <para>
/// Training mixes the points once per batch into a leaf tensor <see cref="Mixed"/> (<c>sum_i c_i w_i</c>), the
/// layer computes with it, autograd delivers <c>dL/dMixed</c>, and <see cref="GatherGradient"/> hands every point
/// its share <c>c_i * dL/dMixed</c> in <c>Points.grad</c>: the chain rule through the mixing, without making
/// autograd track the mixing (which would allocate a full <c>[k, ...]</c> zero tensor per point and batch).
/// </para>
/// </summary>
internal sealed class SubspaceParameter
{
    internal SubspaceParameter(nn.Module owner, string name, bool regularized)
    {
        _owner = owner;
        _name = name;
        Regularized = regularized;
        _ = Points; // fail at construction if the module has no such parameter
    }

    // The parameter is looked up in its module each time: Module.to(device or dtype) replaces the module's
    // Parameter objects (and disposes the old ones), so a reference kept here would go stale.
    private readonly nn.Module _owner;
    private readonly string _name;

    /// <summary>The k points, <c>[k, ...]</c>. Updated in place by the optimizer.</summary>
    public Parameter Points => _owner.get_parameter(_name)
        ?? throw new InvalidOperationException($"The module has no parameter '{_name}'.");

    /// <summary>True for conv and linear weights (they enter the cos^2 regularizer); false for biases and BatchNorm.</summary>
    public bool Regularized { get; }

    /// <summary>Number of points k.</summary>
    public int PointCount => (int)Points.shape[0];

    /// <summary>The mixed weight of the current batch (a leaf that collects the gradient), or null outside training.</summary>
    public Tensor? Mixed => _mixed;

    // Kept from batch to batch (outside every dispose scope) until ClearMixing: a view of the point for k = 1, an
    // owned buffer otherwise, which the optimizer's fused step overwrites with the next batch's mix.
    private Tensor? _mixed;

    /// <summary>The coefficients <see cref="Mixed"/> was built with.</summary>
    public double[]? Coefficients { get; private set; }

    /// <summary>
    /// The weight the layer computes with: the mixed weight while training, otherwise the single point of a
    /// one-point (materialized) network.
    /// </summary>
    public Tensor Current => Mixed ?? (PointCount == 1
        ? Points[0]
        : throw new InvalidOperationException("A subspace layer with several points was run before Mix was called; predict through a materialized point."));

    /// <summary>Builds <see cref="Mixed"/> = <c>sum_i c_i w_i</c> as a gradient-collecting leaf for the next forward and backward pass.</summary>
    public void Mix(double[] coefficients)
    {
        if (coefficients.Length != PointCount)
            throw new ArgumentException($"Expected {PointCount} coefficients; got {coefficients.Length}.", nameof(coefficients));
        var mixed = MixedBuffer();
        if (PointCount > 1)
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            mixed.copy_(MixPoints(Points, coefficients));
        }
        MixedAhead(coefficients);
    }

    /// <summary>
    /// The tensor <see cref="Mixed"/> is (created on first use): a view of the single point for k = 1, whose
    /// in-place updates show through; otherwise a buffer of one point's shape that <see cref="Mix"/> or the
    /// optimizer fills.
    /// </summary>
    internal Tensor MixedBuffer()
    {
        if (_mixed is not null) return _mixed;
        using var _ = no_grad();
        using var detached = Points.detach();
        var buffer = PointCount == 1 ? detached[0] : empty(Points.shape[1..], Points.dtype, Points.device);
        _mixed = buffer.requires_grad_(true).DetachFromDisposeScope();
        return _mixed;
    }

    /// <summary>Declares <see cref="MixedBuffer"/> filled with the mix at <paramref name="coefficients"/>, and forgets the last batch's gradient.</summary>
    internal void MixedAhead(double[] coefficients)
    {
        var mixed = MixedBuffer();
        using (var grad = mixed.grad)
            if (grad is not null) mixed.grad = null;
        Coefficients = coefficients;
    }

    /// <summary>
    /// <c>sum_i c_i points[i]</c> without gradient tracking: a copy of the point at a vertex, lerp for two points whose
    /// coefficients sum to one, a matrix-vector product otherwise.
    /// </summary>
    internal static Tensor MixPoints(Tensor points, double[] c)
    {
        long k = points.shape[0];
        if (k == 1) return points[0].clone();
        // A vertex (one coefficient 1, the others 0) is that point exactly, bit for bit.
        int vertex = Array.IndexOf(c, 1.0);
        if (vertex >= 0 && c.Count(v => v == 0) == c.Length - 1) return points[vertex].clone();
        if (k == 2 && Math.Abs(c[0] + c[1] - 1) < 1e-12) return lerp(points[0], points[1], c[1]);
        // Element-wise passes run on every core; a [k] x [k, M] matrix-vector product did not (1.5x slower for k = 3).
        var mixed = points[0].Times(c[0]);
        for (int i = 1; i < k; i++) mixed.AddScaled_(points[i], c[i]);
        return mixed;
    }

    /// <summary>
    /// After backward: sets <c>Points.grad[i] = c_i * dL/dMixed</c> (for one point, <c>Points.grad</c> is a view of
    /// <c>dL/dMixed</c>). Returns false when the mixed weight received no gradient.
    /// </summary>
    public bool GatherGradient()
    {
        var g = Mixed?.grad;
        if (g is null || Coefficients is null) return false;
        using var _ = no_grad();
        // Points.grad returns a new wrapper on every read; wrappers made here are left to the caller's dispose
        // scope (the parameter itself keeps its gradient alive), so nothing leaks from batch to batch.
        if (PointCount == 1)
        {
            Points.grad = g.unsqueeze(0);
            return true;
        }
        var grad = Points.grad;
        if (grad is null)
        {
            grad = zeros_like(Points);
            Points.grad = grad;
        }
        for (int i = 0; i < PointCount; i++)
        {
            using var slot = grad[i];
            slot.copy_(g).Times_(Coefficients[i]);
        }
        return true;
    }

    /// <summary>Forgets the current batch's mixed weight (after training, or before materializing).</summary>
    public void ClearMixing()
    {
        _mixed?.Dispose();
        _mixed = null;
        Coefficients = null;
    }
}
