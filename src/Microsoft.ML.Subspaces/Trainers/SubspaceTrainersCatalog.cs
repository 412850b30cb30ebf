using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Trainers;

/// <summary>
/// Multiclass trainers, reached through <c>mlContext.Subspaces().Trainers</c>: the subspaces (<see cref="ShapeTrainersCatalog"/>)
/// and, from <c>SubspaceTrainersCatalog.Curves.cs</c>, the curves between fitted models and the fast ensembles. Each takes a
/// key-typed label and a known-size float vector of features, and adds <c>Score</c> and <c>PredictedLabel</c>.
/// </summary>
public sealed partial class SubspaceTrainersCatalog : ShapeTrainersCatalog
{
    internal SubspaceTrainersCatalog(MLContext context) : base(context, NetworkOutput.Softmax)
    {
    }
}
