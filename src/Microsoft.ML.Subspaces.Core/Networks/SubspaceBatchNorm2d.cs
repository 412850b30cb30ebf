using Microsoft.ML.Subspaces.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Networks;

/// <summary>
/// BatchNorm over the channels of <c>[N, C, H, W]</c> whose scale <c>[k, C]</c> (all points start at 1) and shift
/// <c>[k, C]</c> (all 0) are k points, mixed like every subspace parameter (outside the cos^2 regularizer).
/// The running statistics are one shared set (module buffers <c>running_mean</c>, <c>running_var</c>, saved with
/// the weights): statistics gathered while points are sampled belong to no point, so before predicting at a
/// point they are recomputed (<see cref="SubspaceNetwork.RecomputeBatchNormStatistics(TorchSharp.torch.Tensor, int)"/>).
/// In training mode the layer normalizes with the batch's statistics and updates the running ones
/// (<see cref="Momentum"/>, or a cumulative average when it is null); in eval mode it uses the running ones.
/// </summary>
internal sealed class SubspaceBatchNorm2d : nn.Module<Tensor, Tensor>, ISubspaceLayer
{
    private readonly Parameter scale;
    private readonly Parameter shift;
    private Tensor running_mean;
    private Tensor running_var;
    private readonly SubspaceParameter[] _subspaceParameters;
    private long _batchesTracked;

    /// <summary>Creates the layer: scale points 1, shift points 0, running mean 0 and variance 1.</summary>
    /// <param name="channels">Channels C.</param>
    /// <param name="pointCount">Number of points k.</param>
    /// <param name="momentum">Weight of the newest batch in the running statistics; null for a cumulative average.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    public SubspaceBatchNorm2d(long channels, int pointCount, double? momentum = 0.1, double epsilon = 1e-5) : base(nameof(SubspaceBatchNorm2d))
    {
        if (pointCount < 1) throw new ArgumentOutOfRangeException(nameof(pointCount), pointCount, "The point count must be at least 1.");
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be at least 1.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive.");
        Channels = channels;
        PointCount = pointCount;
        Momentum = momentum;
        Epsilon = epsilon;
        using (no_grad())
        {
            scale = new Parameter(ones(pointCount, channels), requires_grad: false);
            shift = new Parameter(zeros(pointCount, channels), requires_grad: false);
            running_mean = zeros(channels);
            running_var = ones(channels);
        }
        RegisterComponents();
        _subspaceParameters = new[] { new SubspaceParameter(this, nameof(scale), regularized: false), new SubspaceParameter(this, nameof(shift), regularized: false) };
    }

    /// <summary>Channels C.</summary>
    public long Channels { get; }
    /// <inheritdoc/>
    public int PointCount { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>
    /// Weight of the newest batch when the running statistics are updated in training mode (0.1 by default, as in
    /// PyTorch); null for a cumulative average (the n-th batch since <see cref="ResetRunningStatistics"/> gets
    /// weight <c>1/n</c>, PyTorch's <c>momentum=None</c>).
    /// </summary>
    public double? Momentum
    {
        get => _momentum;
        set
        {
            if (value is double m && !(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), m, "Momentum must be in [0, 1], or null for a cumulative average.");
            _momentum = value;
        }
    }
    private double? _momentum;

    /// <summary>Scale points, <c>[k, C]</c>.</summary>
    public SubspaceParameter Scale => _subspaceParameters[0];
    /// <summary>Shift points, <c>[k, C]</c>.</summary>
    public SubspaceParameter Shift => _subspaceParameters[1];
    /// <inheritdoc/>
    public IReadOnlyList<SubspaceParameter> Parameters => _subspaceParameters;

    /// <summary>The running mean <c>[C]</c> (a module buffer).</summary>
    public Tensor RunningMean => running_mean;
    /// <summary>The running variance <c>[C]</c> (a module buffer; unbiased batch variances, as <c>batch_norm</c> stores them).</summary>
    public Tensor RunningVariance => running_var;
    /// <summary>Batches folded into the running statistics since the last <see cref="ResetRunningStatistics"/> (training mode only; not saved).</summary>
    public long BatchesTracked => _batchesTracked;

    /// <summary>Running mean 0, running variance 1, no batches tracked.</summary>
    public void ResetRunningStatistics()
    {
        using var _ = no_grad();
        running_mean.zero_();
        running_var.Fill_(1);
        _batchesTracked = 0;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        double momentum = 0;
        if (training)
        {
            _batchesTracked++;
            momentum = _momentum ?? 1.0 / _batchesTracked;
        }
        return nn.functional.batch_norm(input, running_mean, running_var, Scale.Current, Shift.Current, training, momentum, Epsilon);
    }
}
