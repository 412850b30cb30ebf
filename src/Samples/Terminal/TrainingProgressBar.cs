using Microsoft.ML.Subspaces.Trainers;
using Microsoft.ML.Subspaces.Optimization;
using Spectre.Console;

namespace Subspaces.Samples.Terminal;

/// <summary>
/// A live progress bar while a trainer fits (epoch, batch, loss, rows per second, time left), fed by the
/// library's <see cref="IProgress{T}"/> reports. When the output is redirected (CI, a pipe) it prints one line
/// per epoch instead.
/// </summary>
public static class TrainingProgressBar
{
    /// <summary>Sets <paramref name="options"/>.Progress, runs <paramref name="fit"/> under a progress display and returns its result.</summary>
    public static T Run<T>(string name, NeuralNetworkTrainerOptions options, int rows, Func<T> fit)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            options.Progress = new Reporter(p =>
            {
                if (p.IsEpochEnd) Console.WriteLine($"  {name}: epoch {p.Epoch}/{p.Epochs}, loss {p.Loss:F4}, {p.Elapsed.TotalSeconds:F1}s");
            });
            return fit();
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(name.PadRight(28), maxValue: 1);
                options.Progress = new Reporter(p =>
                {
                    long done = (long)(p.Epoch - 1) * p.BatchesPerEpoch + p.Batch;
                    task.MaxValue = (double)p.Epochs * p.BatchesPerEpoch;
                    task.Value = done;
                    double rate = p.Elapsed.TotalSeconds > 0 ? done * (double)rows / p.BatchesPerEpoch / p.Elapsed.TotalSeconds : 0;
                    task.Description = $"{name,-18} epoch {p.Epoch,2}/{p.Epochs} batch {p.Batch,3}/{p.BatchesPerEpoch} loss {p.Loss:F3} {rate,6:F0} rows/s";
                });
                result = fit();
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Calls back synchronously on the training thread (System.Progress would post to the thread pool).</summary>
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
