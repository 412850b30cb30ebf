using Microsoft.ML.Subspaces.Persistence;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>A save killed mid-write leaves a hidden temporary file; the next save to the same path removes it.</summary>
public class InterruptedSaveTests : IClassFixture<SmallLineFixture>
{
    private readonly SmallLineFixture _f;
    public InterruptedSaveTests(SmallLineFixture fixture) => _f = fixture;

    [Fact]
    public void A_later_save_removes_what_a_killed_save_left_and_spares_a_save_in_progress()
    {
        var directory = Directory.CreateTempSubdirectory("subspaces-save-");
        try
        {
            string path = Path.Combine(directory.FullName, "digits.zip");
            string killed = Path.Combine(directory.FullName, ".digits.zip.0123456789abcdef0123456789abcdef.tmp");
            string inProgress = Path.Combine(directory.FullName, ".digits.zip.fedcba9876543210fedcba9876543210.tmp");
            string otherModel = Path.Combine(directory.FullName, ".other.zip.0123456789abcdef0123456789abcdef.tmp");
            foreach (var f in new[] { killed, inProgress, otherModel }) File.WriteAllBytes(f, new byte[1000]);
            var old = DateTime.UtcNow - SubspaceModelOperations.StaleAfter - TimeSpan.FromMinutes(5);
            File.SetLastWriteTimeUtc(killed, old);
            File.SetLastWriteTimeUtc(otherModel, old);

            _f.Context.Subspaces().Model.Save(_f.Model, _f.Train.Schema, path);

            Assert.False(File.Exists(killed), "the killed save's temporary file is still there");
            Assert.True(File.Exists(inProgress), "a recent temporary file (a save in progress) was removed");
            Assert.True(File.Exists(otherModel), "another model's temporary file was removed");
            using var loaded = (IDisposable)_f.Context.Subspaces().Model.Load(path, out _);
            Assert.Equal(new[] { "digits.zip" }, Directory.GetFiles(directory.FullName, "*.zip").Select(Path.GetFileName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
