// Settings and config-file unit tests: the resolved config.yaml round-trips, every table key is a flag
// and a YAML key, defaults resolve per optimizer, and model specs parse or fail with clear messages.
using Sprout.Cli.Config;
using Sprout.Cli.Models;

namespace Sprout.Cli.Tests.Config;

public class ConfigFileTests
{
    [Fact]
    public void ResolvedYamlRoundTrips()
    {
        var s = new TrainSettings
        {
            Data = "mnist", DataDir = "/data/with space: and #hash", Model = "mlp:300,100", Epochs = 7, Lr = 0.05, Optimizer = "adamw",
            Milestones = [3, 5], Schedule = "multistep", WarmupEpochs = 0.5, Seed = ulong.MaxValue, Nesterov = false, Out = "x",
        };
        var copy = new TrainSettings();
        ConfigFile.ApplyText(ConfigFile.ToYaml(s), "config.yaml", copy);
        foreach (var setting in SettingsTable.All.Where(k => k.Reproducible))
            Assert.Equal(Format(setting.Read(s)), Format(setting.Read(copy)));
        Assert.Null(copy.Out); // run-control keys are not part of the reproducible config
    }

    [Fact]
    public void EmptyFileChangesNothing()
    {
        var s = new TrainSettings();
        ConfigFile.ApplyText("# nothing\n", "c.yaml", s);
        Assert.Equal(20, s.Epochs);
    }

    [Fact]
    public void DefaultsDependOnTheOptimizer()
    {
        var sgd = new TrainSettings();
        sgd.ResolveDefaults();
        Assert.Equal((0.1, 5e-4), (sgd.Lr, sgd.WeightDecay));
        var adamw = new TrainSettings { Optimizer = "adamw" };
        adamw.ResolveDefaults();
        Assert.Equal((1e-3, 0.01), (adamw.Lr, adamw.WeightDecay));
        var explicitLr = new TrainSettings { Optimizer = "adam", Lr = 0.5 };
        explicitLr.ResolveDefaults();
        Assert.Equal(0.5, explicitLr.Lr);
    }

    [Fact]
    public void KeysAreUniqueKebabCase()
    {
        var keys = SettingsTable.All.Select(s => s.Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Matches("^[a-z]+(-[a-z]+)*$", k));
    }

    [Theory]
    [InlineData("mlp:300,100", 784, new[] { 300, 100 })]
    [InlineData("MLP: 50", 64, new[] { 50 })]
    [InlineData("mlp", 64, new[] { 300, 100 })]
    [InlineData("linear", 64, new int[0])]
    public void ModelSpecsBuild(string spec, int inputs, int[] hidden)
    {
        var model = ModelRegistry.Build(spec, new Sprout.Data.ImageShape(1, 1, inputs), 10, new Sprout.Nn.DenseLayerFactory(new Sprout.Core.Rng(1)));
        int[] widths = model.NamedParameters().Where(p => p.Name.EndsWith("weight")).Select(p => p.Tensor.Dim(0)).ToArray();
        Assert.Equal([.. hidden, 10], widths);
    }

    [Theory]
    [InlineData("", "--model is empty")]
    [InlineData("resnet:18", "Unknown model 'resnet'")]
    [InlineData("mlp:300,,100", "'' is not a positive integer")]
    [InlineData("mlp:-3", "'-3' is not a positive integer")]
    [InlineData("linear:5", "linear takes no arguments")]
    public void BadModelSpecs(string spec, string phrase)
    {
        var e = Assert.Throws<UsageException>(() => ModelRegistry.Validate(spec));
        Assert.Contains(phrase, e.Message);
    }

    private static string Format(object? value) => value switch
    {
        int[] list => string.Join(",", list),
        null => "null",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };
}
