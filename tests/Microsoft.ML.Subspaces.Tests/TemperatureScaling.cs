namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// An independent check of the temperature-scaled loss early stopping follows: the lowest mean loss over a fine grid of
/// scales s = 1 / T of the logits (ln s from -ln 100 to ln 100 in steps of 0.002), computed from scored columns.
/// </summary>
internal static class TemperatureScaling
{
    /// <summary>The lowest over the grid of the mean of <paramref name="rowLoss"/>(s, row) over <paramref name="rows"/> rows.</summary>
    public static double LowestMeanLoss(int rows, Func<double, int, double> rowLoss)
    {
        double lowest = double.PositiveInfinity;
        for (double logScale = -Math.Log(100); logScale <= Math.Log(100); logScale += 0.002)
        {
            double s = Math.Exp(logScale);
            lowest = Math.Min(lowest, Enumerable.Range(0, rows).Average(i => rowLoss(s, i)));
        }
        return lowest;
    }

    /// <summary>-ln softmax(s * ln p)[label]: the cross-entropy of class probabilities <paramref name="p"/> at temperature 1 / s.</summary>
    public static double CrossEntropy(double s, float[] p, int label)
    {
        double max = p.Max(q => s * Math.Log(q));
        double sum = p.Sum(q => Math.Exp(s * Math.Log(q) - max));
        return -(s * Math.Log(p[label]) - max - Math.Log(sum));
    }

    /// <summary>-ln sigmoid(+-s z): the binary cross-entropy of logit <paramref name="z"/> at temperature 1 / s.</summary>
    public static double BinaryCrossEntropy(double s, double z, bool label)
    {
        double x = label ? s * z : -s * z;
        return Math.Max(-x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
    }
}
