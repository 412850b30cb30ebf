using Microsoft.ML.Subspaces.Networks;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// The subspace trainers of one ML.NET task other than multiclass classification, reached through
/// <c>mlContext.Subspaces().BinaryClassification</c> and <c>mlContext.Subspaces().Regression</c>, as ML.NET's own
/// catalogs are (<c>mlContext.BinaryClassification.Trainers</c>, ...). Their models go to that task's <c>Evaluate</c>.
/// </summary>
public sealed class SubspaceTaskCatalog
{
    internal SubspaceTaskCatalog(MLContext context, NetworkOutput output) => Trainers = ShapeTrainersCatalog.For(context, output);

    /// <summary>Line, Curve, Simplex and Standard trainers of this task.</summary>
    public ShapeTrainersCatalog Trainers { get; }
}
