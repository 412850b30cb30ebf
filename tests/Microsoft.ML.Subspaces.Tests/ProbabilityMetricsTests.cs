using Microsoft.ML.Subspaces.Evaluation;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Accuracy, log-loss, ECE and Brier score against a hand computation on four rows of three classes.</summary>
public class ProbabilityMetricsTests
{
    //          p(class 0) p(1)  p(2)   label  argmax  confidence  correct
    // row 0:   0.72       0.18  0.10   0      0       0.72        yes
    // row 1:   0.09       0.61  0.30   2      1       0.61        no
    // row 2:   0.23       0.24  0.53   2      2       0.53        yes
    // row 3:   0.06       0.88  0.06   1      1       0.88        yes
    private static readonly float[] P =
    {
        0.72f, 0.18f, 0.10f,
        0.09f, 0.61f, 0.30f,
        0.23f, 0.24f, 0.53f,
        0.06f, 0.88f, 0.06f,
    };
    private static readonly int[] Labels = { 0, 2, 2, 1 };

    [Fact]
    public void Accuracy_log_loss_and_Brier_score()
    {
        var m = ProbabilityMetrics.Compute(P, Labels, classCount: 3);
        Assert.Equal(4, m.Count);
        Assert.Equal(0.75, m.Accuracy, 12);
        // -(ln 0.72 + ln 0.30 + ln 0.53 + ln 0.88) / 4 = (0.328504 + 1.203973 + 0.634878 + 0.127833) / 4
        Assert.Equal(0.573797, m.LogLoss, 5);
        // Brier: row 0: 0.28^2 + 0.18^2 + 0.10^2 = 0.1208; row 1: 0.09^2 + 0.61^2 + 0.70^2 = 0.8702;
        //        row 2: 0.23^2 + 0.24^2 + 0.47^2 = 0.3314; row 3: 0.06^2 + 0.12^2 + 0.06^2 = 0.0216; mean 1.344 / 4
        Assert.Equal(0.336, m.BrierScore, 6);
    }

    [Fact]
    public void Ece_with_twenty_bins_puts_every_row_in_its_own_bin()
    {
        // Confidences 0.72, 0.61, 0.53, 0.88 fall in bins 14, 12, 10, 17 of width 0.05:
        // ECE = (|1 - 0.72| + |0 - 0.61| + |1 - 0.53| + |1 - 0.88|) / 4 = (0.28 + 0.61 + 0.47 + 0.12) / 4 = 0.37
        var m = ProbabilityMetrics.Compute(P, Labels, classCount: 3, bins: 20);
        Assert.Equal(0.37, m.ExpectedCalibrationError, 6);
    }

    [Fact]
    public void Ece_with_two_bins_compares_sums_within_the_bin()
    {
        // All confidences are >= 0.5: one bin with 3 correct and total confidence 2.74: |3 - 2.74| / 4 = 0.065
        var m = ProbabilityMetrics.Compute(P, Labels, classCount: 3, bins: 2);
        Assert.Equal(0.065, m.ExpectedCalibrationError, 6);
        // One bin: the same here.
        Assert.Equal(0.065, ProbabilityMetrics.Compute(P, Labels, 3, bins: 1).ExpectedCalibrationError, 6);
    }

    [Fact]
    public void A_confidence_of_one_falls_in_the_last_bin_and_a_zero_probability_is_clipped()
    {
        var p = new float[] { 1f, 0f, 0f, 1f };
        var m = ProbabilityMetrics.Compute(p, new[] { 0, 0 }, classCount: 2, bins: 10);
        Assert.Equal(0.5, m.Accuracy, 12);
        Assert.Equal(0.5, m.ExpectedCalibrationError, 12); // one bin: |1 - 2| / 2
        Assert.Equal(-Math.Log(1e-15) / 2, m.LogLoss, 9);   // p = 0 for the label of row 1, clipped at 1e-15
        Assert.Equal(1.0, m.BrierScore, 12);               // (0 + 0 + 1 + 1) / 2
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ProbabilityMetrics.Compute(P.AsSpan(0, 11), Labels, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbabilityMetrics.Compute(P, new[] { 0, 3, 2, 1 }, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbabilityMetrics.Compute(P, Labels, 3, bins: 0));
        Assert.Throws<ArgumentException>(() => ProbabilityMetrics.Compute(Array.Empty<float>(), Array.Empty<int>(), 3));
    }
}
