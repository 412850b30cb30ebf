using Microsoft.ML.Subspaces.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.Subspaces.Connections;

/// <summary>
/// The weight adjustment of Anokhin and Yarotsky: the linear layer <c>(W, b)</c> that maps given hidden activations
/// <c>H [N, h]</c> as close as possible to target pre-activations <c>Z [N, o]</c>, in the least-squares sense:
/// <c>min ||H W^T + 1 b^T - Z||^2</c>, the bias handled by a column of ones. Solved in float64 through the normal
/// equations <c>[H 1]^T [H 1] x = [H 1]^T Z</c> by Cholesky, with a ridge of <see cref="RelativeRidge"/> times the
/// mean diagonal: it changes the residual negligibly and, like the pseudo-inverse, gives dead (all-zero) neurons
/// zero outgoing weights and splits weight evenly between duplicated neurons.
/// </summary>
internal static class LeastSquaresLayer
{
    /// <summary>Ridge added to the Gram matrix's diagonal, relative to its mean diagonal.</summary>
    public const double RelativeRidge = 1e-9;

    /// <summary>Solves for the layer; returns <c>W [o, h]</c> and <c>b [o]</c> (float64).</summary>
    public static (Tensor Weight, Tensor Bias) Solve(Tensor hidden, Tensor target)
    {
        using var equations = new NormalEquations(hidden.shape[1], target.shape[1], hidden.device);
        equations.Add(hidden, target);
        return equations.Solve();
    }

    /// <summary>
    /// The normal equations <c>[H 1]^T [H 1] x = [H 1]^T Z</c> accumulated over chunks of rows (float64), for problems
    /// whose rows do not fit in memory at once (a convolution's: one row per image and position).
    /// </summary>
    internal sealed class NormalEquations : IDisposable
    {
        private readonly long _inputs;
        private readonly Tensor _gram, _rhs;

        public NormalEquations(long inputs, long outputs, Device device)
        {
            _inputs = inputs;
            _gram = zeros(inputs + 1, inputs + 1, ScalarType.Float64, device).DetachFromDisposeScope();
            _rhs = zeros(inputs + 1, outputs, ScalarType.Float64, device).DetachFromDisposeScope();
        }

        /// <summary>Adds rows <c>H [n, h]</c> with their targets <c>Z [n, o]</c>.</summary>
        public void Add(Tensor hidden, Tensor target)
        {
            long n = hidden.shape[0];
            if (target.shape[0] != n) throw new ArgumentException($"{n} rows of activations but {target.shape[0]} rows of targets.");
            if (hidden.shape[1] != _inputs || target.shape[1] != _rhs.shape[1])
                throw new ArgumentException($"Rows of {hidden.shape[1]} inputs and {target.shape[1]} targets; the equations take {_inputs} and {_rhs.shape[1]}.");
            using var scope = NewDisposeScope();
            var x = hidden.to_type(ScalarType.Float64);
            var augmented = cat(new[] { x, ones(n, 1, ScalarType.Float64, x.device) }, 1);
            _gram.Plus_(augmented.T.matmul(augmented));
            _rhs.Plus_(augmented.T.matmul(target.to_type(ScalarType.Float64)));
        }

        /// <summary>The least-squares layer: <c>W [o, h]</c> and <c>b [o]</c> (float64), in the caller's dispose scope.</summary>
        public (Tensor Weight, Tensor Bias) Solve()
        {
            using var scope = NewDisposeScope();
            double meanDiagonal = _gram.diagonal().mean().item<double>();
            double ridge = RelativeRidge * Math.Max(meanDiagonal, 1e-300);
            Tensor? solution = null;
            for (int attempt = 0; attempt < 6 && solution is null; attempt++, ridge *= 1000)
            {
                var damped = _gram.clone();
                damped.diagonal().Plus_(ridge);
                var (factor, info) = linalg.cholesky_ex(damped);
                if (info.item<int>() == 0) solution = cholesky_solve(_rhs, factor);
            }
            // Numerically indefinite even with a large ridge (not expected): the pseudo-inverse of the Gram matrix.
            solution ??= linalg.pinv(_gram, rtol: 1e-12, hermitian: true).matmul(_rhs);
            var weight = solution.narrow(0, 0, _inputs).T.contiguous();
            var bias = solution[_inputs].contiguous();
            return (weight.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope());
        }

        public void Dispose()
        {
            _gram.Dispose();
            _rhs.Dispose();
        }
    }

    /// <summary>Mean over rows of the squared error <c>||H W^T + b - Z||^2</c>.</summary>
    public static double Residual(Tensor hidden, Tensor target, Tensor weight, Tensor bias)
    {
        using var scope = NewDisposeScope();
        var error = nn.functional.linear(hidden.to_type(ScalarType.Float64), weight.to_type(ScalarType.Float64), bias.to_type(ScalarType.Float64)).sub_(target.to_type(ScalarType.Float64));
        return error.Squared().sum().item<double>() / hidden.shape[0];
    }
}
