namespace Microsoft.ML.Subspaces.Evaluation;

/// <summary>Metrics of the network at one point t of a path.</summary>
/// <param name="T">Position on the path, in [0, 1].</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="LogLoss">Mean negative log-likelihood.</param>
/// <param name="ExpectedCalibrationError">ECE over equal-width confidence bins.</param>
public sealed record PathPoint(double T, double Accuracy, double LogLoss, double ExpectedCalibrationError);

/// <summary>Metrics at evenly spaced points along a path, from t = 0 to t = 1.</summary>
public sealed record PathEvaluation(IReadOnlyList<PathPoint> Points)
{
    /// <summary>The point of lowest accuracy.</summary>
    public PathPoint Worst => Points.MinBy(p => p.Accuracy)!;
    /// <summary>Mean accuracy over the points.</summary>
    public double MeanAccuracy => Points.Average(p => p.Accuracy);
    /// <summary>The point at t = 0.</summary>
    public PathPoint Start => Points[0];
    /// <summary>The point at t = 1.</summary>
    public PathPoint End => Points[^1];
    /// <summary>Mean accuracy of the two ends.</summary>
    public double MeanEndpointAccuracy => (Start.Accuracy + End.Accuracy) / 2;
    /// <summary>How far the worst point falls below the mean of the ends (positive: a barrier).</summary>
    public double Barrier => MeanEndpointAccuracy - Worst.Accuracy;
}
