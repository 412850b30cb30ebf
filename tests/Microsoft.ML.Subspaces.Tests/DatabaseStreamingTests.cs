using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.ML.Subspaces.Trainers;
using Subspaces.Samples.Common;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Training from a database: UCI Adult rows in a SQLite file, read through ML.NET's DatabaseLoader and its own
/// featurizers, a binary line trained in streaming mode (the database queried again every epoch) as accurately as from
/// the same rows in memory, within noise.
/// </summary>
public class DatabaseStreamingTests
{
    public sealed class AdultRecord
    {
        public float Age { get; set; }
        public string WorkClass { get; set; } = "";
        public float EducationNum { get; set; }
        public string MaritalStatus { get; set; } = "";
        public string Occupation { get; set; } = "";
        public string Sex { get; set; } = "";
        public float HoursPerWeek { get; set; }
        public bool Label { get; set; }
    }

    private static readonly string[] Categorical = { "WorkClass", "MaritalStatus", "Occupation", "Sex" };
    private static readonly string[] Numeric = { "Age", "EducationNum", "HoursPerWeek" };

    private static List<AdultRecord> ReadAdult(string file, int count) =>
        File.ReadLines(SharedData.File("adult", file)).Skip(1)
            .Select(l => l.Split(',', StringSplitOptions.TrimEntries)).Where(c => c.Length >= 15).Take(count)
            .Select(c => new AdultRecord
            {
                Age = float.Parse(c[0], CultureInfo.InvariantCulture), WorkClass = c[1], EducationNum = float.Parse(c[4], CultureInfo.InvariantCulture),
                MaritalStatus = c[5], Occupation = c[6], Sex = c[9], HoursPerWeek = float.Parse(c[12], CultureInfo.InvariantCulture),
                Label = c[14].TrimEnd('.') == ">50K",
            }).ToList();

    private static void WriteDatabase(string path, IEnumerable<AdultRecord> rows)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE Adult (Age REAL, WorkClass TEXT, EducationNum REAL, MaritalStatus TEXT, Occupation TEXT, Sex TEXT, HoursPerWeek REAL, Label INTEGER)";
            create.ExecuteNonQuery();
        }
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO Adult VALUES ($a, $w, $e, $m, $o, $s, $h, $l)";
        foreach (var name in new[] { "$a", "$w", "$e", "$m", "$o", "$s", "$h", "$l" }) insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        foreach (var r in rows)
        {
            insert.Parameters["$a"].Value = r.Age;
            insert.Parameters["$w"].Value = r.WorkClass;
            insert.Parameters["$e"].Value = r.EducationNum;
            insert.Parameters["$m"].Value = r.MaritalStatus;
            insert.Parameters["$o"].Value = r.Occupation;
            insert.Parameters["$s"].Value = r.Sex;
            insert.Parameters["$h"].Value = r.HoursPerWeek;
            insert.Parameters["$l"].Value = r.Label ? 1 : 0;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    [Fact]
    public void ALineStreamedFromSqliteThroughDatabaseLoaderMatchesTheSameRowsInMemory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"adult-{Guid.NewGuid():N}.sqlite");
        try
        {
            var rows = ReadAdult("adult.data", 4000);
            WriteDatabase(path, rows);
            var ml = new MLContext(seed: 1);
            var loader = ml.Data.CreateDatabaseLoader<AdultRecord>();
            var source = new DatabaseSource(SqliteFactory.Instance, $"Data Source={path}",
                "SELECT Age, WorkClass, EducationNum, MaritalStatus, Occupation, Sex, HoursPerWeek, Label FROM Adult ORDER BY rowid");
            var fromDatabase = loader.Load(source);
            var featurize = ml.Transforms.ReplaceMissingValues(Numeric.Select(c => new InputOutputColumnPair(c)).ToArray())
                .Append(ml.Transforms.Categorical.OneHotEncoding(Categorical.Select(c => new InputOutputColumnPair(c)).ToArray()))
                .Append(ml.Transforms.Concatenate("Features", Numeric.Concat(Categorical).ToArray()))
                .Fit(fromDatabase);
            var streamedRows = featurize.Transform(fromDatabase);
            var inMemoryRows = ml.Data.Cache(featurize.Transform(ml.Data.LoadFromEnumerable(rows)));
            var test = featurize.Transform(ml.Data.LoadFromEnumerable(ReadAdult("adult.test", 2000)));

            LineTrainerOptions Options(int? buffer) => new() { HiddenLayers = new[] { 64 }, Epochs = 6, Seed = 2, Device = "cpu", ShuffleBufferRows = buffer };
            using var streamed = ml.Subspaces().BinaryClassification.Trainers.Line(Options(1000)).Fit(streamedRows);
            using var inMemory = ml.Subspaces().BinaryClassification.Trainers.Line(Options(null)).Fit(inMemoryRows);
            var a = ml.BinaryClassification.Evaluate(streamed.Transform(test));
            var b = ml.BinaryClassification.Evaluate(inMemory.Transform(test));
            Assert.True(a.AreaUnderRocCurve > 0.85, $"streamed AUC {a.AreaUnderRocCurve:F4}");
            Assert.True(Math.Abs(a.Accuracy - b.Accuracy) < 0.015, $"accuracy streamed {a.Accuracy:P2}, in memory {b.Accuracy:P2}");
            Assert.True(Math.Abs(a.AreaUnderRocCurve - b.AreaUnderRocCurve) < 0.01, $"AUC streamed {a.AreaUnderRocCurve:F4}, in memory {b.AreaUnderRocCurve:F4}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }
}
