namespace Microsoft.ML.Subspaces.Optimization;

/// <summary>A report sent when an ensemble-building trainer (Fast Geometric Ensembling) collects a snapshot.</summary>
/// <param name="Snapshot">1-based number of the snapshot just collected.</param>
/// <param name="Snapshots">Snapshots the run will collect.</param>
/// <param name="Step">Optimizer steps done in the cycling phase when it was taken.</param>
/// <param name="LearningRate">Learning rate of the last step (the cycle's low point).</param>
/// <param name="Accuracy">Validation accuracy of the snapshot alone, when a validation set was given.</param>
/// <param name="EnsembleAccuracy">Validation accuracy of the mean probabilities of all snapshots so far, when a validation set was given.</param>
public sealed record SnapshotProgress(int Snapshot, int Snapshots, long Step, double LearningRate, double? Accuracy, double? EnsembleAccuracy);
