using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Runtime;

/// <summary>
/// Tensor operations with a number argument that hold its <see cref="Scalar"/> until the native call returns.
/// </summary>
/// <remarks>
/// TorchSharp frees a Scalar in its finalizer. One made implicitly from a number (<c>x.add_(y, alpha: 0.5)</c>, <c>x * 2</c>,
/// and inside TorchSharp <c>x.add_(y)</c>, <c>x + y</c>, <c>x.square()</c>) is unreachable as soon as its handle is read, so
/// a garbage collection on another thread during the call can free it while libtorch still reads it: long runs failed at
/// random with "Expected false to be true ... toDouble at Scalar.h" (a width study, twice in 10 minutes; a loop of
/// <c>add_</c> with a collecting thread, within a second). Here every Scalar is either a static (never finalized) or
/// disposed after the call. <c>TransientScalarTests</c> fails when library code passes a transient Scalar again.
/// </remarks>
internal static class HeldScalars
{
    // Statics are never finalized.
    static readonly Scalar Zero = 0.ToScalar();
    static readonly Scalar One = 1.ToScalar();

    /// <summary>Runs <paramref name="operation"/> on <paramref name="value"/> as a Scalar that lives until it returns.</summary>
    private static Tensor Held(double value, Func<Scalar, Tensor> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }

    /// <summary><c>t += alpha * other</c>.</summary>
    public static Tensor AddScaled_(this Tensor t, Tensor other, double alpha) => Held(alpha, a => t.add_(other, a));

    /// <summary><c>t + alpha * other</c>.</summary>
    public static Tensor AddScaled(this Tensor t, Tensor other, double alpha) => Held(alpha, a => t.add(other, a));

    /// <summary><c>t += other</c>.</summary>
    public static Tensor Plus_(this Tensor t, Tensor other) => t.add_(other, One);

    /// <summary><c>t + other</c>.</summary>
    public static Tensor Plus(this Tensor t, Tensor other) => t.add(other, One);

    /// <summary><c>t += value</c>.</summary>
    public static Tensor Plus_(this Tensor t, double value) => Held(value, v => t.add_(v, One));

    /// <summary><c>t + value</c>.</summary>
    public static Tensor Plus(this Tensor t, double value) => Held(value, v => t.add(v, One));

    /// <summary><c>t - value</c>.</summary>
    public static Tensor Minus(this Tensor t, double value) => Held(value, v => t.sub(v));

    /// <summary><c>t *= value</c>.</summary>
    public static Tensor Times_(this Tensor t, double value) => Held(value, v => t.mul_(v));

    /// <summary><c>t * value</c>.</summary>
    public static Tensor Times(this Tensor t, double value) => Held(value, v => t.mul(v));

    /// <summary><c>t / value</c>.</summary>
    public static Tensor DividedBy(this Tensor t, double value) => Held(value, v => t.div(v));

    /// <summary><c>t * t</c> (what <c>square()</c> computes, without its transient exponent).</summary>
    public static Tensor Squared(this Tensor t) => t.mul(t);

    /// <summary><c>max(t, min)</c> in place.</summary>
    public static Tensor ClampMin_(this Tensor t, double min) => Held(min, v => t.clamp_min_(v));

    /// <summary>Elementwise <c>t &lt; value</c>.</summary>
    public static Tensor LessThan(this Tensor t, double value) => Held(value, v => t.lt(v));

    /// <summary>Elementwise <c>t != value</c>.</summary>
    public static Tensor NotEqual(this Tensor t, double value) => Held(value, v => t.ne(v));

    /// <summary>Fills <c>t</c> with <c>value</c>.</summary>
    public static Tensor Fill_(this Tensor t, double value) => Held(value, v => t.fill_(v));

    /// <summary><c>0, 1, ..., count - 1</c> as Int64 on <paramref name="device"/>.</summary>
    public static Tensor Range(long count, Device device)
    {
        using var stop = count.ToScalar();
        return arange(Zero, stop, One, dtype: ScalarType.Int64, device: device);
    }

    /// <summary><c>t /= value</c>.</summary>
    public static Tensor DividedBy_(this Tensor t, double value) => Held(value, v => t.div_(v));

    /// <summary><c>t -= value</c>.</summary>
    public static Tensor Minus_(this Tensor t, double value) => Held(value, v => t.sub_(v));

    /// <summary><c>max(t, min)</c>.</summary>
    public static Tensor ClampMin(this Tensor t, double min) => Held(min, v => t.clamp_min(v));

    /// <summary>Elementwise <c>t &gt; value</c>.</summary>
    public static Tensor GreaterThan(this Tensor t, double value) => Held(value, v => t.gt(v));

    /// <summary><c>t += value * a * b</c>.</summary>
    public static Tensor AddProduct_(this Tensor t, Tensor a, Tensor b, double value) => Held(value, v => t.addcmul_(a, b, v));

    /// <summary><c>t += value * a / b</c>.</summary>
    public static Tensor AddQuotient_(this Tensor t, Tensor a, Tensor b, double value) => Held(value, v => t.addcdiv_(a, b, v));

    /// <summary>A tensor shaped like <paramref name="like"/>, every element <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor like, double value) => Held(value, v => full_like(like, v));

}
