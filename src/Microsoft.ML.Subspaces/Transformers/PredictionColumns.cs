using Microsoft.ML.Data;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// The columns a scorer adds after its input's, by task, and their values from one row of predictions (what the networks'
/// outputs become, averaged over an ensemble: class probabilities, the positive and the negative class's probabilities, or
/// the label's value).
/// </summary>
internal static class PredictionColumns
{
    public const string PredictedLabel = "PredictedLabel";
    public const string Score = "Score";
    public const string Probability = "Probability";

    /// <summary>The added columns, in schema order, as ML.NET's own scorers of the task lay them out.</summary>
    public static string[] Names(NetworkOutput output) => output switch
    {
        NetworkOutput.Softmax => new[] { PredictedLabel, Score },
        NetworkOutput.Sigmoid => new[] { PredictedLabel, Score, Probability },
        NetworkOutput.Linear => new[] { Score },
        _ => throw new ArgumentOutOfRangeException(nameof(output), output, "Unknown network output."),
    };

    /// <summary>A row of predictions, read when a getter is called.</summary>
    public delegate ReadOnlySpan<float> RowSource();

    /// <summary>
    /// The getter of added column <paramref name="which"/> (0 for the first after the input columns) over
    /// <paramref name="row"/>; throws naming the column when <typeparamref name="TValue"/> is not its type.
    /// </summary>
    public static ValueGetter<TValue> Getter<TValue>(NetworkOutput output, int which, string name, RowSource row)
    {
        Delegate getter = (output, Names(output)[which]) switch
        {
            (NetworkOutput.Softmax, PredictedLabel) => Typed<TValue, uint>(name, "a key of UInt32", (ref uint v) => v = ScoreMath.ArgMaxKey(row())),
            (NetworkOutput.Softmax, Score) => Typed<TValue, VBuffer<float>>(name, "a vector of Single", (ref VBuffer<float> v) => ScoreMath.CopyRow(row(), ref v)),
            (NetworkOutput.Sigmoid, PredictedLabel) => Typed<TValue, bool>(name, "Boolean", (ref bool v) => { var r = row(); v = r[0] > r[1]; }),
            (NetworkOutput.Sigmoid, Score) => Typed<TValue, float>(name, "Single", (ref float v) => { var r = row(); v = ScoreMath.Logit(r[0], r[1]); }),
            (NetworkOutput.Sigmoid, Probability) => Typed<TValue, float>(name, "Single", (ref float v) => v = row()[0]),
            (NetworkOutput.Linear, Score) => Typed<TValue, float>(name, "Single", (ref float v) => v = row()[0]),
            _ => throw new InvalidOperationException($"No column {which} for a {output} output."),
        };
        return (ValueGetter<TValue>)getter;
    }

    private static ValueGetter<T> Typed<TValue, T>(string name, string type, ValueGetter<T> getter)
    {
        if (typeof(TValue) != typeof(T)) throw new InvalidOperationException($"Column '{name}' is {type}, not {typeof(TValue).Name}.");
        return getter;
    }
}
