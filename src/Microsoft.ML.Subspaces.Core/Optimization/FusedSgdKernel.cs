using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>
/// The whole optimizer step of one subspace parameter in one pass over memory, on contiguous float32 CPU tensors.
/// For every element and every point p: the gradient <c>d_p = c_p * g + decay_p * w_p (+ cross * w_partner)</c> (the
/// mixing's chain rule, weight decay and the cos^2 terms), the momentum update <c>b_p = m * b_p + d_p</c>, the
/// weight update <c>w_p -= lr * b_p</c>; then, from the new weights, the next batch's mixed weight
/// <c>sum_p n_p * w_p</c> and the three sums the next batch's cos^2 term needs (<c>|w_a|^2, w_a . w_b, |w_b|^2</c>).
/// <para>
/// Why: done with tensor operations the same work is a dozen passes (scale, add, decay, update, lerp, three dot
/// products), each re-reading megabytes; a line's step cost several times a standard one's. Fused, a line reads and
/// writes one more point and momentum buffer and writes the mix: the least memory traffic the algorithm allows.
/// </para>
/// Sums are accumulated in float32 over at most 8,192 elements and in float64 beyond, block by block in a fixed order:
/// the same inputs give the same bits whatever the number of threads.
/// </summary>
internal static unsafe class FusedSgdKernel
{
    /// <summary>Elements per parallel work item (and per float64 partial sum).</summary>
    internal const int BlockLength = 16384;

    /// <summary>One parameter's step: pointers into contiguous float32 CPU tensors and the step's coefficients.</summary>
    internal sealed class Job
    {
        /// <summary>dL/dMixed, <c>[n]</c>.</summary>
        public float* Gradient;
        /// <summary>The k points, <c>[k, n]</c>; updated in place.</summary>
        public float* Points;
        /// <summary>The momentum buffers, <c>[k, n]</c>; updated in place.</summary>
        public float* Momentum;
        /// <summary>Receives the next mixed weight <c>[n]</c>, or null.</summary>
        public float* NextMixed;
        /// <summary>Elements per point, n.</summary>
        public long Length;
        /// <summary>Number of points k.</summary>
        public int PointCount;
        /// <summary>c_p: each point's share of dL/dMixed.</summary>
        public float[] GradientScale = Array.Empty<float>();
        /// <summary>decay_p: coefficient of w_p in its own gradient (weight decay plus the cos^2 term's own-point part).</summary>
        public float[] Decay = Array.Empty<float>();
        /// <summary>The pair coupled by the cos^2 term's cross part (<see cref="Cross"/> * the other's weights), or -1.</summary>
        public int CrossA = -1, CrossB = -1;
        /// <summary>Coefficient of the partner's weights in each of the pair's gradients.</summary>
        public float Cross;
        /// <summary>Points that are read but never written.</summary>
        public bool[] Frozen = Array.Empty<bool>();
        /// <summary>n_p: coefficients of the next mixed weight (used when <see cref="NextMixed"/> is set).</summary>
        public float[] NextCoefficients = Array.Empty<float>();
        /// <summary>The pair whose sums <c>|w_a|^2, w_a . w_b, |w_b|^2</c> of the new weights are accumulated, or -1.</summary>
        public int SumsA = -1, SumsB = -1;

        internal bool HasCross => CrossA >= 0 && Cross != 0f;
        internal bool HasSums => SumsA >= 0;
        internal bool AnyFrozen => Array.IndexOf(Frozen, true) >= 0;
    }

    /// <summary>
    /// Runs the step with momentum <paramref name="momentum"/> and learning rate <paramref name="learningRate"/>, and
    /// adds the job's three sums to <paramref name="sums"/> when it asks for them. <paramref name="parallel"/> spreads
    /// blocks over the thread pool (results are identical either way).
    /// </summary>
    public static void Run(Job job, float momentum, float learningRate, double[] sums, bool parallel = true)
    {
        Validate(job);
        long blocks = (job.Length + BlockLength - 1) / BlockLength;
        var partial = job.HasSums ? new double[blocks * 3] : Array.Empty<double>();
        if (blocks == 1 || !parallel)
            for (long block = 0; block < blocks; block++) RunBlock(job, block, momentum, learningRate, partial);
        else
            Parallel.For(0, blocks, block => RunBlock(job, block, momentum, learningRate, partial));
        if (!job.HasSums) return;
        for (long block = 0; block < blocks; block++)
            for (int i = 0; i < 3; i++) sums[i] += partial[block * 3 + i];
    }

    private static void Validate(Job job)
    {
        int k = job.PointCount;
        if (job.Gradient == null || job.Points == null || job.Momentum == null) throw new ArgumentException("The gradient, points and momentum must be set.", nameof(job));
        if (job.GradientScale.Length != k || job.Decay.Length != k || job.Frozen.Length != k)
            throw new ArgumentException($"Per-point coefficients must have {k} entries.", nameof(job));
        if (job.NextMixed != null && job.NextCoefficients.Length != k) throw new ArgumentException($"The next mix needs {k} coefficients.", nameof(job));
        if (job.CrossA >= k || job.CrossB >= k || (job.CrossA >= 0 && job.CrossA == job.CrossB)) throw new ArgumentException("The cross pair must be two different points.", nameof(job));
        if (job.SumsA >= k || job.SumsB >= k || (job.SumsA >= 0 && (job.SumsB < 0 || job.SumsA == job.SumsB))) throw new ArgumentException("The summed pair must be two different points.", nameof(job));
    }

    private static void RunBlock(Job job, long block, float momentum, float learningRate, double[] partial)
    {
        long start = block * BlockLength;
        long end = Math.Min(job.Length, start + BlockLength);
        if (!Vector256.IsHardwareAccelerated)
        {
            AnyPoints(job, start, end, momentum, learningRate, partial, block);
            return;
        }
        if (!job.AnyFrozen)
        {
            switch (job.PointCount)
            {
                case 1: OnePoint(job, start, end, momentum, learningRate); return;
                case 2: TwoPoints(job, start, end, momentum, learningRate, partial, block); return;
                case 3: ThreePoints(job, start, end, momentum, learningRate, partial, block); return;
            }
        }
        ManyPoints(job, start, end, momentum, learningRate, partial, block);
    }

    /// <summary>k = 1 (standard training): SGD with momentum and weight decay.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OnePoint(Job job, long start, long end, float momentum, float learningRate)
    {
        float* g = job.Gradient, w = job.Points, b = job.Momentum;
        var c = Vector256.Create(job.GradientScale[0]);
        var decay = Vector256.Create(job.Decay[0]);
        var m = Vector256.Create(momentum);
        var step = Vector256.Create(-learningRate);
        long e = start;
        for (; e + 8 <= end; e += 8)
        {
            var x = Vector256.Load(w + e);
            var v = Vector256.FusedMultiplyAdd(m, Vector256.Load(b + e), Vector256.FusedMultiplyAdd(decay, x, c * Vector256.Load(g + e)));
            v.Store(b + e);
            Vector256.FusedMultiplyAdd(step, v, x).Store(w + e);
        }
        var noSums = new Sums3();
        if (e < end) AnyPoints(job, e, end, momentum, learningRate, ref noSums);
    }

    /// <summary>k = 2 (a line): both points, the next mix and the pair's sums in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoPoints(Job job, long start, long end, float momentum, float learningRate, double[] partial, long block)
    {
        long n = job.Length;
        float* g = job.Gradient, w0 = job.Points, w1 = job.Points + n, b0 = job.Momentum, b1 = job.Momentum + n, mixed = job.NextMixed;
        var c0 = Vector256.Create(job.GradientScale[0]);
        var c1 = Vector256.Create(job.GradientScale[1]);
        var decay0 = Vector256.Create(job.Decay[0]);
        var decay1 = Vector256.Create(job.Decay[1]);
        var cross = Vector256.Create(job.HasCross ? job.Cross : 0f);
        var n0 = Vector256.Create(mixed != null ? job.NextCoefficients[0] : 0f);
        var n1 = Vector256.Create(mixed != null ? job.NextCoefficients[1] : 0f);
        var m = Vector256.Create(momentum);
        var step = Vector256.Create(-learningRate);
        bool sums = job.HasSums;
        bool swap = job.SumsA == 1; // sums are reported in the job's (a, b) order
        bool streamMix = IsStreamable(mixed);
        var sums3 = new Sums3();
        long e = start;
        for (; e + 8 <= end; e += 8)
        {
            var gv = Vector256.Load(g + e);
            var x0 = Vector256.Load(w0 + e);
            var x1 = Vector256.Load(w1 + e);
            var v0 = Vector256.FusedMultiplyAdd(m, Vector256.Load(b0 + e), Vector256.FusedMultiplyAdd(cross, x1, Vector256.FusedMultiplyAdd(decay0, x0, c0 * gv)));
            var v1 = Vector256.FusedMultiplyAdd(m, Vector256.Load(b1 + e), Vector256.FusedMultiplyAdd(cross, x0, Vector256.FusedMultiplyAdd(decay1, x1, c1 * gv)));
            v0.Store(b0 + e);
            v1.Store(b1 + e);
            x0 = Vector256.FusedMultiplyAdd(step, v0, x0);
            x1 = Vector256.FusedMultiplyAdd(step, v1, x1);
            x0.Store(w0 + e);
            x1.Store(w1 + e);
            if (mixed != null) StoreMix(Vector256.FusedMultiplyAdd(n1, x1, n0 * x0), mixed + e, streamMix);
            if (sums)
            {
                if (swap) sums3.Add(x1, x0);
                else sums3.Add(x0, x1);
            }
        }
        if (e < end) AnyPoints(job, e, end, momentum, learningRate, ref sums3);
        if (sums) sums3.Store(partial, block);
    }

    /// <summary>k = 3 (a simplex of three vertices, a quadratic Bezier curve): as <see cref="TwoPoints"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreePoints(Job job, long start, long end, float momentum, float learningRate, double[] partial, long block)
    {
        long n = job.Length;
        float* g = job.Gradient, w0 = job.Points, w1 = job.Points + n, w2 = job.Points + 2 * n;
        float* b0 = job.Momentum, b1 = job.Momentum + n, b2 = job.Momentum + 2 * n, mixed = job.NextMixed;
        var c0 = Vector256.Create(job.GradientScale[0]);
        var c1 = Vector256.Create(job.GradientScale[1]);
        var c2 = Vector256.Create(job.GradientScale[2]);
        var decay0 = Vector256.Create(job.Decay[0]);
        var decay1 = Vector256.Create(job.Decay[1]);
        var decay2 = Vector256.Create(job.Decay[2]);
        var cross = Vector256.Create(job.Cross);
        // Which pair the cross term couples, and which pair is summed: 0 none, 1 (0, 1), 2 (0, 2), 3 (1, 2).
        int crossPair = job.HasCross ? PairCode(job.CrossA, job.CrossB) : 0;
        int sumPair = job.HasSums ? PairCode(job.SumsA, job.SumsB) : 0;
        bool sumsSwapped = job.HasSums && job.SumsA > job.SumsB;
        bool streamMix = IsStreamable(mixed);
        var n0 = Vector256.Create(mixed != null ? job.NextCoefficients[0] : 0f);
        var n1 = Vector256.Create(mixed != null ? job.NextCoefficients[1] : 0f);
        var n2 = Vector256.Create(mixed != null ? job.NextCoefficients[2] : 0f);
        var m = Vector256.Create(momentum);
        var step = Vector256.Create(-learningRate);
        var sums3 = new Sums3();
        long e = start;
        for (; e + 8 <= end; e += 8)
        {
            var gv = Vector256.Load(g + e);
            var x0 = Vector256.Load(w0 + e);
            var x1 = Vector256.Load(w1 + e);
            var x2 = Vector256.Load(w2 + e);
            var d0 = Vector256.FusedMultiplyAdd(decay0, x0, c0 * gv);
            var d1 = Vector256.FusedMultiplyAdd(decay1, x1, c1 * gv);
            var d2 = Vector256.FusedMultiplyAdd(decay2, x2, c2 * gv);
            switch (crossPair)
            {
                case 1: d0 = Vector256.FusedMultiplyAdd(cross, x1, d0); d1 = Vector256.FusedMultiplyAdd(cross, x0, d1); break;
                case 2: d0 = Vector256.FusedMultiplyAdd(cross, x2, d0); d2 = Vector256.FusedMultiplyAdd(cross, x0, d2); break;
                case 3: d1 = Vector256.FusedMultiplyAdd(cross, x2, d1); d2 = Vector256.FusedMultiplyAdd(cross, x1, d2); break;
            }
            var v0 = Vector256.FusedMultiplyAdd(m, Vector256.Load(b0 + e), d0);
            var v1 = Vector256.FusedMultiplyAdd(m, Vector256.Load(b1 + e), d1);
            var v2 = Vector256.FusedMultiplyAdd(m, Vector256.Load(b2 + e), d2);
            v0.Store(b0 + e);
            v1.Store(b1 + e);
            v2.Store(b2 + e);
            x0 = Vector256.FusedMultiplyAdd(step, v0, x0);
            x1 = Vector256.FusedMultiplyAdd(step, v1, x1);
            x2 = Vector256.FusedMultiplyAdd(step, v2, x2);
            x0.Store(w0 + e);
            x1.Store(w1 + e);
            x2.Store(w2 + e);
            if (mixed != null) StoreMix(Vector256.FusedMultiplyAdd(n2, x2, Vector256.FusedMultiplyAdd(n1, x1, n0 * x0)), mixed + e, streamMix);
            switch (sumPair)
            {
                case 1: if (sumsSwapped) sums3.Add(x1, x0); else sums3.Add(x0, x1); break;
                case 2: if (sumsSwapped) sums3.Add(x2, x0); else sums3.Add(x0, x2); break;
                case 3: if (sumsSwapped) sums3.Add(x2, x1); else sums3.Add(x1, x2); break;
            }
        }
        if (e < end) AnyPoints(job, e, end, momentum, learningRate, ref sums3);
        if (sumPair != 0) sums3.Store(partial, block);
    }

    /// <summary>Elements per L1-resident slice of <see cref="ManyPoints"/>.</summary>
    private const int SliceLength = 512;

    /// <summary>
    /// Any k, frozen points: each slice of <see cref="SliceLength"/> elements (small enough to stay in L1) in simple
    /// vector passes: every velocity from the old weights, then the weights, the mix and the sums. Only the first
    /// pass over a slice reaches memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ManyPoints(Job job, long start, long end, float momentum, float learningRate, double[] partial, long block)
    {
        int k = job.PointCount;
        long n = job.Length;
        var sums3 = new Sums3();
        long vectorEnd = start + (end - start) / 8 * 8;
        for (long s = start; s < vectorEnd; s += SliceLength)
        {
            int length = (int)Math.Min(SliceLength, vectorEnd - s);
            float* g = job.Gradient + s;
            for (int p = 0; p < k; p++)
            {
                if (job.Frozen[p]) continue;
                float* b = job.Momentum + p * n + s;
                float* w = job.Points + p * n + s;
                // b = m * b + c_p * g + decay_p * w_p (+ cross * w_partner), from the old weights.
                Velocity(b, g, w, length, momentum, job.GradientScale[p], job.Decay[p]);
                int partner = !job.HasCross ? -1 : p == job.CrossA ? job.CrossB : p == job.CrossB ? job.CrossA : -1;
                if (partner >= 0) AddScaled(b, job.Points + partner * n + s, length, job.Cross);
            }
            for (int p = 0; p < k; p++)
                if (!job.Frozen[p]) AddScaled(job.Points + p * n + s, job.Momentum + p * n + s, length, -learningRate);
            if (job.NextMixed != null)
            {
                float* mixed = job.NextMixed + s;
                Scale(mixed, job.Points + s, length, job.NextCoefficients[0]);
                for (int p = 1; p < k; p++) AddScaled(mixed, job.Points + p * n + s, length, job.NextCoefficients[p]);
            }
            if (job.HasSums)
            {
                float* a = job.Points + job.SumsA * n + s, b = job.Points + job.SumsB * n + s;
                for (int i = 0; i < length; i += 8) sums3.Add(Vector256.Load(a + i), Vector256.Load(b + i));
            }
        }
        if (vectorEnd < end) AnyPoints(job, vectorEnd, end, momentum, learningRate, ref sums3);
        if (job.HasSums) sums3.Store(partial, block);
    }

    /// <summary><c>b = m * b + c * g + decay * w</c> over <paramref name="length"/> (a multiple of 8) elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Velocity(float* b, float* g, float* w, int length, float momentum, float c, float decay)
    {
        var vm = Vector256.Create(momentum);
        var vc = Vector256.Create(c);
        var vd = Vector256.Create(decay);
        for (int i = 0; i < length; i += 8)
            Vector256.FusedMultiplyAdd(vm, Vector256.Load(b + i), Vector256.FusedMultiplyAdd(vd, Vector256.Load(w + i), vc * Vector256.Load(g + i))).Store(b + i);
    }

    /// <summary><c>y += c * x</c> over <paramref name="length"/> (a multiple of 8) elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled(float* y, float* x, int length, float c)
    {
        var vc = Vector256.Create(c);
        for (int i = 0; i < length; i += 8)
            Vector256.FusedMultiplyAdd(vc, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
    }

    /// <summary><c>y = c * x</c> over <paramref name="length"/> (a multiple of 8) elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(float* y, float* x, int length, float c)
    {
        var vc = Vector256.Create(c);
        for (int i = 0; i < length; i += 8)
            (vc * Vector256.Load(x + i)).Store(y + i);
    }

    /// <summary>
    /// The mix is written with non-temporal stores: it is only read by the next forward pass, and streaming it past the
    /// caches neither reads its old contents first nor evicts the points and momentum the step is working through
    /// (measured: a line's epoch 1.13-1.14x a standard one's with ordinary stores, 1.03-1.05x streamed). Such stores
    /// need 32-byte alignment, which libtorch's 64-byte-aligned buffers and the blocks' offsets (multiples of 8
    /// floats) give; an unaligned buffer falls back to ordinary stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMix(Vector256<float> value, float* target, bool stream)
    {
        if (stream) value.StoreAlignedNonTemporal(target);
        else value.Store(target);
    }

    private static bool IsStreamable(float* mixed) => mixed != null && ((nint)mixed & 31) == 0;

    private static int PairCode(int a, int b) => (Math.Min(a, b), Math.Max(a, b)) switch
    {
        (0, 1) => 1,
        (0, 2) => 2,
        _ => 3,
    };

    /// <summary>Hardware without 256-bit vectors, and the tails of the vector loops: one element at a time, the same arithmetic.</summary>
    private static void AnyPoints(Job job, long start, long end, float momentum, float learningRate, double[] partial, long block)
    {
        var sums3 = new Sums3();
        AnyPoints(job, start, end, momentum, learningRate, ref sums3);
        if (job.HasSums) sums3.Store(partial, block);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void AnyPoints(Job job, long start, long end, float momentum, float learningRate, ref Sums3 sums3)
    {
        int k = job.PointCount;
        long n = job.Length;
        var x = stackalloc float[k];
        var v = stackalloc float[k];
        int a = job.CrossA, b = job.CrossB;
        float cross = job.HasCross ? job.Cross : 0f;
        for (long e = start; e < end; e++)
        {
            float gv = job.Gradient[e];
            for (int p = 0; p < k; p++) x[p] = job.Points[p * n + e];
            // All velocities from the old weights first: the cross term reads the partner before it moves.
            for (int p = 0; p < k; p++)
            {
                if (job.Frozen[p]) continue;
                float d = MathF.FusedMultiplyAdd(job.Decay[p], x[p], job.GradientScale[p] * gv);
                if (p == a) d = MathF.FusedMultiplyAdd(cross, x[b], d);
                else if (p == b) d = MathF.FusedMultiplyAdd(cross, x[a], d);
                v[p] = MathF.FusedMultiplyAdd(momentum, job.Momentum[p * n + e], d);
            }
            for (int p = 0; p < k; p++)
            {
                if (job.Frozen[p]) continue;
                job.Momentum[p * n + e] = v[p];
                x[p] = MathF.FusedMultiplyAdd(-learningRate, v[p], x[p]);
                job.Points[p * n + e] = x[p];
            }
            if (job.NextMixed != null)
            {
                float mixed = job.NextCoefficients[0] * x[0];
                for (int p = 1; p < k; p++) mixed = MathF.FusedMultiplyAdd(job.NextCoefficients[p], x[p], mixed);
                job.NextMixed[e] = mixed;
            }
            if (job.HasSums) sums3.Add(x[job.SumsA], x[job.SumsB]);
        }
    }

    /// <summary>
    /// Running <c>|a|^2, a . b, |b|^2</c>: float32 vector lanes, moved into float64 every 1,024 vectors (8,192
    /// elements), so that rounding stays at float32's level over a block, not over a whole layer.
    /// </summary>
    private struct Sums3
    {
        private Vector256<float> _aa, _ab, _bb;
        private double _totalAA, _totalAB, _totalBB;
        private int _pending;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(Vector256<float> a, Vector256<float> b)
        {
            _aa = Vector256.FusedMultiplyAdd(a, a, _aa);
            _ab = Vector256.FusedMultiplyAdd(a, b, _ab);
            _bb = Vector256.FusedMultiplyAdd(b, b, _bb);
            if (++_pending == 1024) Flush();
        }

        public void Add(float a, float b)
        {
            _totalAA += (double)a * a;
            _totalAB += (double)a * b;
            _totalBB += (double)b * b;
        }

        private void Flush()
        {
            _totalAA += Widened(_aa);
            _totalAB += Widened(_ab);
            _totalBB += Widened(_bb);
            _aa = _ab = _bb = Vector256<float>.Zero;
            _pending = 0;
        }

        public void Store(double[] partial, long block)
        {
            Flush();
            partial[block * 3] = _totalAA;
            partial[block * 3 + 1] = _totalAB;
            partial[block * 3 + 2] = _totalBB;
        }

        private static double Widened(Vector256<float> sums)
        {
            var (lower, upper) = Vector256.Widen(sums);
            return Vector256.Sum(lower + upper);
        }
    }
}
