using Microsoft.Data.Sqlite;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Subspaces.Samples;

/// <summary>UCI Adult rows in a SQLite file, and ML.NET's DatabaseLoader over it (the adult sample's --database).</summary>
internal static class AdultDatabase
{
    private static readonly string[] Columns =
    {
        "Age", "WorkClass", "Fnlwgt", "Education", "EducationNum", "MaritalStatus", "Occupation", "Relationship", "Race", "Sex",
        "CapitalGain", "CapitalLoss", "HoursPerWeek", "NativeCountry", "Label",
    };

    public static void Write(string path, IReadOnlyList<TabularTaskSamples.AdultBinaryRow> rows)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "DROP TABLE IF EXISTS Adult; CREATE TABLE Adult (Age REAL, WorkClass TEXT, Fnlwgt REAL, Education TEXT, EducationNum REAL, " +
                                 "MaritalStatus TEXT, Occupation TEXT, Relationship TEXT, Race TEXT, Sex TEXT, CapitalGain REAL, CapitalLoss REAL, " +
                                 "HoursPerWeek REAL, NativeCountry TEXT, Label INTEGER)";
            create.ExecuteNonQuery();
        }
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO Adult VALUES ({string.Join(", ", Columns.Select(c => "$" + c))})";
        foreach (var c in Columns) insert.Parameters.Add(new SqliteParameter { ParameterName = "$" + c });
        foreach (var r in rows)
        {
            object[] values = { r.Age, r.WorkClass, r.Fnlwgt, r.Education, r.EducationNum, r.MaritalStatus, r.Occupation, r.Relationship, r.Race, r.Sex,
                r.CapitalGain, r.CapitalLoss, r.HoursPerWeek, r.NativeCountry, r.Label ? 1 : 0 };
            for (int i = 0; i < Columns.Length; i++) insert.Parameters["$" + Columns[i]].Value = values[i];
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public static IDataView Load(MLContext ml, string path) =>
        ml.Data.CreateDatabaseLoader<TabularTaskSamples.AdultBinaryRow>()
            .Load(new DatabaseSource(SqliteFactory.Instance, $"Data Source={path}", $"SELECT {string.Join(", ", Columns)} FROM Adult ORDER BY rowid"));
}
