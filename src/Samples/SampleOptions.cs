using System.Globalization;

namespace Subspaces.Samples;

/// <summary>Command-line options shared by the samples.</summary>
public sealed record SampleOptions(int Epochs, int Seed, double LabelNoise)
{
    /// <summary>Parses --epochs N, --seed S, --label-noise F.</summary>
    public static SampleOptions Parse(string[] args)
    {
        int epochs = 20, seed = 0;
        double noise = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--label-noise": noise = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --epochs N, --seed S, --label-noise F.");
            }
        }
        if (epochs < 1) throw new ArgumentException("--epochs must be at least 1.");
        if (!(noise >= 0 && noise <= 1)) throw new ArgumentException("--label-noise must be in [0, 1].");
        return new SampleOptions(epochs, seed, noise);
    }
}
