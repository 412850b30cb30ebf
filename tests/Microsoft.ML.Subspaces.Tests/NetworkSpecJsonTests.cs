using System.Text.Json;
using Microsoft.ML.Subspaces.Networks;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Saved models name the architecture as they did when it was a string: files written before stay readable.</summary>
public class NetworkSpecJsonTests
{
    [Theory]
    [InlineData(NetworkArchitecture.Mlp, "mlp")]
    [InlineData(NetworkArchitecture.ConvNet, "convnet")]
    [InlineData(NetworkArchitecture.ResNet20, "resnet20")]
    public void ArchitectureIsSavedAndReadByItsLowerCaseName(NetworkArchitecture kind, string name)
    {
        var json = JsonSerializer.Serialize(new NetworkSpec { Kind = kind, InputSize = 4, ClassCount = 2 });
        Assert.Contains($"\"Kind\":\"{name}\"", json);
        var read = JsonSerializer.Deserialize<NetworkSpec>($"{{\"Kind\":\"{name}\",\"InputSize\":4,\"ClassCount\":2}}")!;
        Assert.Equal(kind, read.Kind);
    }

    [Fact]
    public void UnknownArchitectureNameIsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NetworkSpec>("{\"Kind\":\"transformer\",\"InputSize\":4,\"ClassCount\":2}"));
    }
}
