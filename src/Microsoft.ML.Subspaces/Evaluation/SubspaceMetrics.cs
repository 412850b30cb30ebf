using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>ML.NET's multiclass metrics together with calibration: ECE and Brier score.</summary>
/// <param name="MlNet">What <c>mlContext.MulticlassClassification.Evaluate</c> reports.</param>
/// <param name="Probabilities">Accuracy, log-loss, ECE and Brier score computed from the Score column.</param>
/// <param name="Bins">Number of equal-width confidence bins of the ECE.</param>
public sealed record SubspaceMetrics(MulticlassClassificationMetrics MlNet, ProbabilityMetrics Probabilities, int Bins)
{
    /// <summary>Fraction of rows predicted correctly.</summary>
    public double Accuracy => Probabilities.Accuracy;
    /// <summary>Mean negative log-likelihood of the label.</summary>
    public double LogLoss => Probabilities.LogLoss;
    /// <summary>Expected calibration error over <see cref="Bins"/> equal-width bins.</summary>
    public double ExpectedCalibrationError => Probabilities.ExpectedCalibrationError;
    /// <summary>Brier score.</summary>
    public double BrierScore => Probabilities.BrierScore;
}
