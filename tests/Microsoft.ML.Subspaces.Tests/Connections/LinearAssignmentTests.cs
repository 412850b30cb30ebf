using Microsoft.ML.Subspaces.Assignment;

namespace Microsoft.ML.Subspaces.Tests.Connections;

public class LinearAssignmentTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void MatchesBruteForceOnRandomMatrices(int n)
    {
        var random = new Random(1000 + n);
        for (int trial = 0; trial < 40; trial++)
        {
            var cost = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    // Alternate continuous costs, small integers (many ties) and negative values.
                    cost[i, j] = (trial % 3) switch
                    {
                        0 => random.NextDouble(),
                        1 => random.Next(0, 3),
                        _ => random.NextDouble() * 200 - 100,
                    };
            var assignment = LinearAssignment.Solve(cost);
            Assert.Equal(Enumerable.Range(0, n), assignment.Order());
            double best = BruteForce(cost);
            Assert.Equal(best, LinearAssignment.TotalCost(cost, assignment), 9);
        }
    }

    [Fact]
    public void RecoversAHiddenPermutation()
    {
        // cost[i, j] = |x_i - y_j|^2 with y a permuted copy of x: the optimum is the permutation, at cost 0.
        var random = new Random(3);
        int n = 300;
        var x = Enumerable.Range(0, n).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToArray();
        var permutation = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var y = permutation.Select(p => x[p]).ToArray();
        var cost = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cost[i * n + j] = Enumerable.Range(0, 3).Sum(d => Math.Pow(x[i][d] - y[j][d], 2));
        var assignment = LinearAssignment.Solve(cost, n);
        for (int i = 0; i < n; i++) Assert.Equal(i, permutation[assignment[i]]);
    }

    [Fact]
    public void HandlesEmptyMatrix() => Assert.Empty(LinearAssignment.Solve(new double[0, 0]));

    [Fact]
    public void RejectsBadInput()
    {
        var rectangular = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[2, 3]));
        Assert.Contains("2 x 3", rectangular.Message);
        var nan = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[,] { { 0, 1 }, { double.NaN, 2 } }));
        Assert.Contains("[1, 0]", nan.Message);
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[,] { { 0, double.PositiveInfinity }, { 1, 2 } }));
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[5], 2));
    }

    private static double BruteForce(double[,] cost)
    {
        int n = cost.GetLength(0);
        var p = Enumerable.Range(0, n).ToArray();
        double best = double.PositiveInfinity;
        void Recurse(int k, double sum)
        {
            if (k == n) { best = Math.Min(best, sum); return; }
            for (int i = k; i < n; i++)
            {
                (p[k], p[i]) = (p[i], p[k]);
                Recurse(k + 1, sum + cost[k, p[k]]);
                (p[k], p[i]) = (p[i], p[k]);
            }
        }
        Recurse(0, 0);
        return best;
    }
}
