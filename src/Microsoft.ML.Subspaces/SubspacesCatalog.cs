using Microsoft.ML.Subspaces.Persistence;
using Microsoft.ML.Subspaces.Trainers;

namespace Microsoft.ML.Subspaces;

/// <summary>
/// Entry point of the library, reached through <c>mlContext.Subspaces()</c>: trainers of network subspaces
/// and the model operations that save and load pipelines containing them.
/// </summary>
public sealed class SubspacesCatalog
{
    internal SubspacesCatalog(MLContext context)
    {
        Context = context;
        Trainers = new SubspaceTrainersCatalog(context);
        Model = new SubspaceModelOperations(context);
    }

    internal MLContext Context { get; }

    /// <summary>Line, Curve, Simplex and Standard trainers.</summary>
    public SubspaceTrainersCatalog Trainers { get; }

    /// <summary>Save and load fitted pipelines that contain this library's transformers.</summary>
    public SubspaceModelOperations Model { get; }
}
