using Microsoft.ML.Subspaces.Networks;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// Weight adjustment between two of the library's ConvNets, filters as neurons (Anokhin and Yarotsky's WA, applied to
/// the convolutional blocks): the path runs through networks <c>Theta_0 = A, Theta_1, Theta_2, Theta_3, B</c>, one stage
/// per block and one for the classifier, t split evenly. In stage k, block k's filters and BatchNorm scale and shift move
/// linearly from <c>Theta_k</c>'s to B's and, at every point, the layer after the block (the next convolution, or the
/// classifier after the last block) is re-solved by least squares on a sample of training images so that its output
/// stays as close as possible to A's; <c>Theta_{k+1}</c> is the stage's end. The last stage moves the classifier to B's.
/// BatchNorm statistics are recomputed at every point, the ends included. t = 0 has A's weights and t = 1 B's (aligned by
/// the caller when wanted).
/// </summary>
internal sealed class ConvNetWeightAdjustedPath : IDisposable
{
    /// <summary>Images whose positions make a convolution's least-squares rows (each gives H x W rows, up to 196 here).</summary>
    public const int ConvolutionImages = 500;

    private const int BlockCount = 3;

    private readonly SubspaceConvNet _a, _b;
    private readonly SubspaceConvNet[] _stageStarts;
    private readonly Tensor _sample, _batchNormSample;
    private readonly int _batchNormBatchSize;
    private readonly Tensor[] _targets;
    private int _disposed;

    /// <param name="a">The first network (one point); the path owns it once constructed.</param>
    /// <param name="b">The second network (one point, of the same architecture); the path owns it once constructed.</param>
    /// <param name="sample">Training inputs <c>[N, in]</c> the layers are re-solved on; the path owns it once constructed.</param>
    /// <param name="batchNormSample">Training inputs for the BatchNorm statistics at each point; the path owns it once constructed.</param>
    /// <param name="batchNormBatchSize">Batch size of the statistics pass.</param>
    /// <param name="cancellationToken">Cancels building the stage ends.</param>
    public ConvNetWeightAdjustedPath(SubspaceConvNet a, SubspaceConvNet b, Tensor sample, Tensor batchNormSample, int batchNormBatchSize,
        CancellationToken cancellationToken = default)
    {
        if (a.Spec.PointCount != 1 || b.Spec.PointCount != 1) throw new ArgumentException("Weight adjustment connects one-point networks.");
        if (sample.shape[0] < 1) throw new ArgumentException("Weight adjustment needs at least one training row.", nameof(sample));
        _a = a;
        _b = b;
        _sample = sample;
        _batchNormSample = batchNormSample;
        _batchNormBatchSize = batchNormBatchSize;
        _a.eval();
        _b.eval();
        _targets = new Tensor[BlockCount];
        _stageStarts = new SubspaceConvNet[BlockCount + 1];
        _stageStarts[0] = _a;
        try
        {
            using (no_grad())
            {
                // A's outputs of the layer after each block: the least-squares targets.
                for (int k = 0; k < BlockCount; k++)
                {
                    using var scope = NewDisposeScope();
                    _targets[k] = NextLayerOutput(_a, k, RowsFor(k)).DetachFromDisposeScope();
                }
            }
            for (int k = 0; k < BlockCount; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _stageStarts[k + 1] = At(k, 1);
            }
        }
        catch
        {
            // What was given stays the caller's when construction fails.
            FreeOwnTensors();
            throw;
        }
    }

    /// <summary>Stages of the path: one per block and one for the classifier.</summary>
    public int StageCount => BlockCount + 1;

    /// <summary>The architecture of the networks on the path (one point).</summary>
    public NetworkSpec Spec => _a.Spec;

    /// <summary>A one-point network with the weights at <paramref name="t"/>, BatchNorm statistics recomputed over the kept rows, in eval mode; the caller owns it.</summary>
    public SubspaceConvNet Materialize(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "A path point t must be in [0, 1].");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (t == 0 || t == 1)
        {
            // The ends' weights exactly, with statistics recomputed as at every other point (and as a segment's ends).
            var end = Copy(t == 0 ? _a : _b);
            try
            {
                using var _ = no_grad();
                Recompute(end);
                return end;
            }
            catch
            {
                end.Dispose();
                throw;
            }
        }
        double x = t * StageCount;
        int stage = Math.Min((int)Math.Floor(x), StageCount - 1);
        return At(stage, x - stage);
    }

    private SubspaceConvNet At(int stage, double s)
    {
        var start = _stageStarts[stage];
        var network = Copy(start);
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            if (stage == BlockCount)
            {
                // The blocks are B's already, with their statistics: only the classifier moves.
                Move(network.Classifier.Parameters, start.Classifier.Parameters, _b.Classifier.Parameters, s);
                return network;
            }
            var (conv, norm) = network.Blocks[stage];
            Move(conv.Parameters.Concat(norm.Parameters), start.Blocks[stage].Conv.Parameters.Concat(start.Blocks[stage].Norm.Parameters),
                _b.Blocks[stage].Conv.Parameters.Concat(_b.Blocks[stage].Norm.Parameters), s);
            // Block k's statistics, for its output on the sample: only the blocks up to it run (the later ones are
            // recomputed once the layer after it is solved).
            network.RecomputeBatchNormStatistics(_batchNormSample, _batchNormBatchSize, stage + 1);
            Solve(network, stage);
            // A re-solved convolution changes the statistics of the blocks after it; a re-solved classifier changes none.
            if (stage + 1 < BlockCount) network.RecomputeBatchNormStatistics(_batchNormSample, _batchNormBatchSize);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Re-solves the layer after block <paramref name="block"/> so that its output on the sample is A's.</summary>
    private void Solve(SubspaceConvNet network, int block)
    {
        var rows = RowsFor(block);
        using var features = network.Features(rows, block + 1);
        if (block + 1 < BlockCount)
        {
            var conv = network.Blocks[block + 1].Conv;
            var weight = conv.Weight.Points[0];
            long channels = features.shape[1], positions = features.shape[2] * features.shape[3];
            using var equations = new LeastSquaresLayer.NormalEquations(channels * weight.shape[2] * weight.shape[3], weight.shape[0], features.device);
            var target = _targets[block];
            const int chunk = 100;
            for (long i = 0; i < features.shape[0]; i += chunk)
            {
                using var scope = NewDisposeScope();
                long n = Math.Min(chunk, features.shape[0] - i);
                equations.Add(Patches(features.narrow(0, i, n), weight), target.narrow(0, i * positions, n * positions));
            }
            // The convolution feeds BatchNorm, which removes any constant per channel: the intercept is solved for and dropped.
            var (w, _) = equations.Solve();
            weight.copy_(w.view_as(weight));
            return;
        }
        var (classifierWeight, classifierBias) = LeastSquaresLayer.Solve(features.flatten(1), _targets[block]);
        network.Classifier.Weight.Points[0].copy_(classifierWeight);
        network.Classifier.Bias.Points[0].copy_(classifierBias);
    }

    /// <summary>A's (or any network's) output of the layer after block <paramref name="block"/>, one row per image and position.</summary>
    private static Tensor NextLayerOutput(SubspaceConvNet network, int block, Tensor rows)
    {
        using var scope = NewDisposeScope();
        var features = network.Features(rows, block + 1);
        if (block + 1 == BlockCount) return network.Classifier.forward(features.flatten(1)).to_type(ScalarType.Float64).MoveToOuterDisposeScope();
        var output = network.Blocks[block + 1].Conv.forward(features); // [N, out, H, W]
        return output.permute(0, 2, 3, 1).reshape(-1, output.shape[1]).to_type(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    /// <summary>The receptive fields of a 3x3 same-padded convolution: one row <c>[in * kh * kw]</c> per image and position, in NHW order.</summary>
    private static Tensor Patches(Tensor features, Tensor weight)
    {
        long kernel = weight.shape[2];
        var unfolded = nn.functional.unfold(features, kernel, padding: kernel / 2); // [N, in * kh * kw, H * W]
        return unfolded.transpose(1, 2).reshape(-1, unfolded.shape[1]);
    }

    /// <summary>The sample rows the layer after <paramref name="block"/> is solved on: all for the classifier, fewer for a convolution.</summary>
    private Tensor RowsFor(int block) =>
        block + 1 < BlockCount ? _sample.narrow(0, 0, Math.Min(ConvolutionImages, _sample.shape[0])) : _sample;

    private static void Move(IEnumerable<SubspaceParameter> target, IEnumerable<SubspaceParameter> from, IEnumerable<SubspaceParameter> to, double s)
    {
        foreach (var ((p, x), y) in target.Zip(from).Zip(to))
            p.Points[0].copy_(lerp(x.Points[0], y.Points[0], s));
    }

    private void Recompute(SubspaceConvNet network)
    {
        network.RecomputeBatchNormStatistics(_batchNormSample, _batchNormBatchSize);
        network.eval();
    }

    private static SubspaceConvNet Copy(SubspaceConvNet network) => (SubspaceConvNet)network.Materialize(new[] { 1.0 });

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        FreeOwnTensors();
        _a.Dispose();
        _b.Dispose();
        _sample.Dispose();
        _batchNormSample.Dispose();
    }

    private void FreeOwnTensors()
    {
        foreach (var network in _stageStarts.Skip(1)) network?.Dispose();
        foreach (var t in _targets) t?.Dispose();
    }
}
