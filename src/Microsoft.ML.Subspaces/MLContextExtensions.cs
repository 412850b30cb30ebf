using Microsoft.ML.Subspaces;

namespace Microsoft.ML;

/// <summary>Adds <c>mlContext.Subspaces()</c>.</summary>
public static class SubspacesMLContextExtensions
{
    /// <summary>The neural-network subspaces catalog: trainers, and model save and load.</summary>
    public static SubspacesCatalog Subspaces(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SubspacesCatalog(context);
    }
}
