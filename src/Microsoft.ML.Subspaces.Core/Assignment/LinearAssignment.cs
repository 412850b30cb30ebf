namespace Microsoft.ML.Subspaces.Assignment;

/// <summary>
/// Exact solver of the square linear assignment problem: given an <c>n x n</c> cost matrix, finds the
/// permutation <c>p</c> minimizing <c>sum_i cost[i, p[i]]</c>. Pure C#, no dependencies.
/// <para>
/// The algorithm is the shortest augmenting path method of Jonker and Volgenant in the form of Crouse
/// (2016) that SciPy's <c>linear_sum_assignment</c> uses: rows are added one at a time; for each, a
/// Dijkstra-like search over reduced costs <c>cost[i, j] - u[i] - v[j]</c> (dual potentials u, v kept
/// feasible) finds the cheapest augmenting path to a free column, and the matching is flipped along it.
/// The duals start from row and column reduction with a greedy matching on zero reduced costs. O(n^3) in the worst case, far less on typical inputs; memory O(n) besides the cost matrix.
/// Optimality follows from the final potentials: every reduced cost is non-negative and zero on the matching.
/// </para>
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// Solves the assignment problem of a square cost matrix. Returns <c>p</c> with row i assigned to column
    /// <c>p[i]</c>; every column is used once.
    /// </summary>
    /// <param name="cost">The costs; every value must be finite.</param>
    /// <exception cref="ArgumentException">The matrix is not square, or holds NaN or an infinity.</exception>
    public static int[] Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.GetLength(0), columns = cost.GetLength(1);
        if (rows != columns)
            throw new ArgumentException($"The cost matrix must be square; it is {rows} x {columns}.", nameof(cost));
        var flat = new double[rows * columns];
        Buffer.BlockCopy(cost, 0, flat, 0, flat.Length * sizeof(double));
        return Solve(flat, rows);
    }

    /// <summary>
    /// Solves the assignment problem of an <paramref name="n"/> x <paramref name="n"/> cost matrix stored row-major
    /// in <paramref name="cost"/> (<c>cost[i * n + j]</c> is the cost of row i taking column j).
    /// </summary>
    /// <param name="cost">Row-major costs; every value must be finite.</param>
    /// <param name="n">Number of rows and columns.</param>
    /// <exception cref="ArgumentException">The length is not <c>n * n</c>, or a value is NaN or infinite.</exception>
    public static int[] Solve(ReadOnlySpan<double> cost, int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The size must be non-negative.");
        if (cost.Length != (long)n * n)
            throw new ArgumentException($"Expected {n} x {n} = {(long)n * n} costs; got {cost.Length}.", nameof(cost));
        for (int k = 0; k < cost.Length; k++)
            if (!double.IsFinite(cost[k]))
                throw new ArgumentException($"Cost [{k / n}, {k % n}] is {cost[k]}; every cost must be finite.", nameof(cost));
        if (n == 0) return Array.Empty<int>();

        var u = new double[n];              // row potentials
        var v = new double[n];              // column potentials
        var shortest = new double[n];       // shortest reduced path cost to each column in the current search
        var path = new int[n];              // predecessor row of each column on the shortest path tree
        var colForRow = new int[n];
        var rowForCol = new int[n];
        var remaining = new int[n];
        var scannedRowList = new int[n];
        var scannedColList = new int[n];
        Array.Fill(colForRow, -1);
        Array.Fill(rowForCol, -1);

        // Initial duals by row then column reduction (every reduced cost >= 0), and a greedy matching on the
        // zero reduced costs: on typical inputs most rows start matched and need no augmenting search.
        for (int i = 0; i < n; i++)
        {
            var row = cost.Slice(i * n, n);
            double min = row[0];
            for (int j = 1; j < n; j++) if (row[j] < min) min = row[j];
            u[i] = min;
        }
        Array.Fill(v, double.PositiveInfinity);
        for (int i = 0; i < n; i++)
        {
            var row = cost.Slice(i * n, n);
            double ui = u[i];
            for (int j = 0; j < n; j++)
            {
                double reduced = row[j] - ui;
                if (reduced < v[j]) v[j] = reduced;
            }
        }
        for (int i = 0; i < n; i++)
        {
            var row = cost.Slice(i * n, n);
            double ui = u[i];
            for (int j = 0; j < n; j++)
            {
                if (rowForCol[j] < 0 && row[j] - ui - v[j] == 0)
                {
                    colForRow[i] = j;
                    rowForCol[j] = i;
                    break;
                }
            }
        }

        for (int current = 0; current < n; current++)
        {
            if (colForRow[current] >= 0) continue;
            // Dijkstra from row `current` over reduced costs until a free column is reached.
            double minValue = 0;
            int remainingCount = n;
            for (int j = 0; j < n; j++)
            {
                remaining[j] = n - 1 - j;
                shortest[j] = double.PositiveInfinity;
            }
            int rowCount = 0, colCount = 0;
            int i = current, sink = -1;
            while (sink < 0)
            {
                scannedRowList[rowCount++] = i;
                int index = -1;
                double lowest = double.PositiveInfinity;
                double offset = minValue - u[i];
                var row = cost.Slice(i * n, n);
                for (int r = 0; r < remainingCount; r++)
                {
                    int j = remaining[r];
                    double reduced = offset + row[j] - v[j];
                    if (reduced < shortest[j])
                    {
                        path[j] = i;
                        shortest[j] = reduced;
                    }
                    double s = shortest[j];
                    if (s < lowest || (s == lowest && rowForCol[j] < 0))
                    {
                        lowest = s;
                        index = r;
                    }
                }
                minValue = lowest;
                if (index < 0 || double.IsPositiveInfinity(minValue))
                    throw new InvalidOperationException("The assignment problem has no finite solution."); // unreachable with finite costs
                int column = remaining[index];
                scannedColList[colCount++] = column;
                remaining[index] = remaining[--remainingCount];
                if (rowForCol[column] < 0) sink = column;
                else i = rowForCol[column];
            }

            // Update the potentials of the scanned rows and columns (keeps all reduced costs >= 0).
            u[current] += minValue;
            for (int r = 0; r < rowCount; r++)
            {
                int row = scannedRowList[r];
                if (row != current) u[row] += minValue - shortest[colForRow[row]];
            }
            for (int c = 0; c < colCount; c++)
            {
                int column = scannedColList[c];
                v[column] -= minValue - shortest[column];
            }

            // Flip the matching along the augmenting path ending at the sink.
            int j2 = sink;
            while (true)
            {
                int row = path[j2];
                rowForCol[j2] = row;
                (colForRow[row], j2) = (j2, colForRow[row]);
                if (row == current) break;
            }
        }
        return colForRow;
    }

    /// <summary>The total cost <c>sum_i cost[i, assignment[i]]</c> of an assignment.</summary>
    public static double TotalCost(double[,] cost, IReadOnlyList<int> assignment)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Count != cost.GetLength(0))
            throw new ArgumentException($"The assignment has {assignment.Count} rows; the cost matrix has {cost.GetLength(0)}.", nameof(assignment));
        double total = 0;
        for (int i = 0; i < assignment.Count; i++) total += cost[i, assignment[i]];
        return total;
    }
}
