namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>Accuracy, log-loss and calibration of predicted class probabilities.</summary>
/// <param name="Accuracy">Fraction of rows whose most probable class is the label.</param>
/// <param name="LogLoss">Mean negative log-probability of the label (natural log, probabilities clipped at 1e-15).</param>
/// <param name="ExpectedCalibrationError">ECE: <c>sum_b |correct_b - confidence_b| / N</c> over equal-width confidence bins.</param>
/// <param name="BrierScore">Mean over rows of <c>sum_c (p_c - [c = label])^2</c>.</param>
/// <param name="Count">Number of rows scored.</param>
public sealed record ProbabilityMetrics(double Accuracy, double LogLoss, double ExpectedCalibrationError, double BrierScore, int Count)
{
    /// <summary>The reliability diagram: for every equal-width confidence bin, its rows' accuracy and mean confidence.</summary>
    public IReadOnlyList<ReliabilityBin> Reliability { get; init; } = Array.Empty<ReliabilityBin>();

    /// <summary>
    /// Computes the metrics from row-major probabilities (<paramref name="probabilities"/> has
    /// <c>labels.Length * classCount</c> values) and 0-based labels.
    /// </summary>
    public static ProbabilityMetrics Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classCount, int bins = 20)
    {
        if (classCount < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Need at least one class.");
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "Need at least one bin.");
        int n = labels.Length;
        if (probabilities.Length != n * classCount)
            throw new ArgumentException($"Expected {n} x {classCount} probabilities; got {probabilities.Length}.", nameof(probabilities));
        if (n == 0) throw new ArgumentException("No rows to score.", nameof(labels));
        var binCorrect = new double[bins];
        var binConfidence = new double[bins];
        var binCount = new int[bins];
        double correct = 0, logLoss = 0, brier = 0;
        for (int i = 0; i < n; i++)
        {
            var p = probabilities.Slice(i * classCount, classCount);
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label at row {i} is outside [0, {classCount}).");
            int best = 0;
            for (int c = 1; c < classCount; c++) if (p[c] > p[best]) best = c;
            double conf = p[best];
            bool hit = best == label;
            if (hit) correct++;
            logLoss -= Math.Log(Math.Max(p[label], 1e-15));
            for (int c = 0; c < classCount; c++) { double d = p[c] - (c == label ? 1 : 0); brier += d * d; }
            int b = Math.Min(bins - 1, (int)(conf * bins));
            binCorrect[b] += hit ? 1 : 0;
            binConfidence[b] += conf;
            binCount[b]++;
        }
        double ece = 0;
        var reliability = new ReliabilityBin[bins];
        for (int b = 0; b < bins; b++)
        {
            ece += Math.Abs(binCorrect[b] - binConfidence[b]);
            reliability[b] = new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, binCount[b],
                binCount[b] == 0 ? double.NaN : binCorrect[b] / binCount[b], binCount[b] == 0 ? double.NaN : binConfidence[b] / binCount[b]);
        }
        return new ProbabilityMetrics(correct / n, logLoss / n, ece / n, brier / n, n) { Reliability = reliability };
    }
}

/// <summary>One bin of a reliability diagram.</summary>
/// <param name="Lower">Lower confidence bound (inclusive).</param>
/// <param name="Upper">Upper confidence bound (exclusive, except 1 for the last bin).</param>
/// <param name="Count">Rows whose top probability falls in the bin.</param>
/// <param name="Accuracy">Fraction of those rows predicted correctly (NaN for an empty bin).</param>
/// <param name="Confidence">Mean top probability of those rows (NaN for an empty bin).</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double Accuracy, double Confidence);
