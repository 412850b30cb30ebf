namespace Microsoft.ML.Subspaces.Experiments;

/// <summary>A model's test metrics in an experiment table.</summary>
/// <param name="Name">What was evaluated ("standard", "line midpoint", ...).</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="LogLoss">Mean negative log-likelihood.</param>
/// <param name="ExpectedCalibrationError">ECE over equal-width bins.</param>
public sealed record ExperimentRow(string Name, double Accuracy, double LogLoss, double ExpectedCalibrationError);

/// <summary>The ensemble of P(a) and P(1 - a) at one a.</summary>
/// <param name="A">The pair's first point, in [0, 0.5].</param>
/// <param name="Accuracy">Accuracy of the pair's mean probabilities.</param>
/// <param name="LogLoss">Mean negative log-likelihood.</param>
/// <param name="ExpectedCalibrationError">ECE over equal-width bins.</param>
public sealed record SymmetricEnsemblePoint(double A, double Accuracy, double LogLoss, double ExpectedCalibrationError);

/// <summary>One point t of a curve, alone and ensembled with the curve's start (Garipov et al., 2018).</summary>
/// <param name="T">The point, in [0, 1].</param>
/// <param name="Accuracy">Accuracy of phi(t) alone.</param>
/// <param name="LogLoss">Its mean negative log-likelihood.</param>
/// <param name="EnsembleAccuracy">Accuracy of the mean probabilities of phi(0) and phi(t).</param>
/// <param name="EnsembleLogLoss">Their mean negative log-likelihood.</param>
public sealed record StartEnsemblePoint(double T, double Accuracy, double LogLoss, double EnsembleAccuracy, double EnsembleLogLoss);

/// <summary>The network at one grid point of a simplex.</summary>
/// <param name="Position">Barycentric coordinates.</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="LogLoss">Mean negative log-likelihood.</param>
public sealed record SimplexGridPoint(double[] Position, double Accuracy, double LogLoss);

/// <summary>Label-noise robustness: the same models trained on clean and on noisy labels, evaluated on clean test labels.</summary>
/// <param name="Fraction">Fraction of training rows relabelled.</param>
/// <param name="ChangedRows">Rows whose label actually changed.</param>
/// <param name="Rows">Metrics of every model.</param>
public sealed record LabelNoiseResult(double Fraction, int ChangedRows, IReadOnlyList<ExperimentRow> Rows);

/// <summary>A model's accuracy on corrupted test images (<see cref="SubspaceExperiments.CorruptionRobustness"/>).</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Corruption">The corruption, or null for the clean images.</param>
/// <param name="Severity">1 to 5 (0 for the clean images).</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="LogLoss">Mean negative log-likelihood.</param>
/// <param name="ExpectedCalibrationError">ECE over equal-width bins.</param>
public sealed record CorruptionRow(string Model, ImageCorruption? Corruption, int Severity, double Accuracy, double LogLoss, double ExpectedCalibrationError);

/// <summary>
/// An ensemble of <paramref name="Members"/> networks (<see cref="SubspaceExperiments.WeightAdjustedEnsembles"/>): which kind,
/// its distinct parameters (a WA-ensemble stores one backbone and a head per member), and its test accuracy and log-loss.
/// </summary>
public sealed record EnsembleSizePoint(string Ensemble, int Members, long Parameters, double Accuracy, double LogLoss);
