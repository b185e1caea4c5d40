// `sprout train --recipe tost` and its component flags end to end on the embedded digits (an MLP: ghost neurons,
// LRsI and annealed label smoothing apply; ghost skips need residual blocks). The recipe composes with a static
// random mask and with SNIP; summary.json reports the recipe; impossible combinations exit 2 before any folder exists.
using System.Text.Json;

namespace Sprout.Cli.Tests;

public sealed class TostRecipeTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("static")]
    [InlineData("snip")]
    public void RecipeComposesWithMaskSources(string method)
    {
        var r = _cli.Train(method, "--method", method, "--density", "0.3", "--layer-kind", "masked", "--recipe", "tost",
            "--lrsi-iterations", "3", "--epochs", "2", "--tost-switch", "0.5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("lrsi: 3 iterations", r.Output);
        Assert.Contains("no ghost skip connections", r.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf(method, "summary.json")));
        var recipe = doc.RootElement.GetProperty("recipe");
        Assert.Equal("tost", recipe.GetProperty("recipe").GetString());
        Assert.Equal(1, recipe.GetProperty("switch_epoch").GetInt32());
        foreach (var scale in recipe.GetProperty("lrsi").GetProperty("scales").EnumerateObject())
            Assert.True(scale.Value.GetDouble() >= (scale.Name.EndsWith(".bias", StringComparison.Ordinal) ? 0 : 0.01), scale.Name);
        var callback = recipe.GetProperty("callback");
        Assert.True(callback.GetProperty("ghost_neurons").GetBoolean());
        Assert.False(callback.GetProperty("ghost_skips").GetBoolean());
        Assert.Equal(0.1, callback.GetProperty("label_smoothing_start").GetDouble(), 6);
        var config = doc.RootElement.GetProperty("config");
        Assert.Equal(0.1, config.GetProperty("label-smoothing").GetDouble(), 6);
        Assert.True(double.IsFinite(doc.RootElement.GetProperty("test_accuracy").GetDouble()));
        Assert.Equal(0.3, doc.RootElement.GetProperty("density").GetDouble(), 6);
    }

    [Theory]
    [InlineData("static", "csr")]
    [InlineData("snip", "csr")]
    [InlineData("static", "masked")]
    public void RecipeOnASparseResNetLeavesAPlainCheckpoint(string method, string kind)
    {
        string[] common = ["--model", "resnet8", "--epochs", "2", "--batch-size", "64", "--method", method, "--density", "0.3", "--layer-kind", kind];
        var r = _cli.Train("tost", [.. common, "--recipe", "tost", "--lrsi-iterations", "2"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("ghost neurons", r.Output);
        var plain = _cli.Train("plain", common);
        Assert.True(plain.ExitCode == 0, plain.ToString());

        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("tost", "summary.json")));
        var callback = doc.RootElement.GetProperty("recipe").GetProperty("callback");
        Assert.True(callback.GetProperty("ghost_skips").GetBoolean());
        Assert.True(callback.GetProperty("ghosts_removed").GetBoolean());
        Assert.True(callback.GetProperty("ghost_params").GetInt64() > 0);
        Assert.True(callback.GetProperty("ghost_macs").GetDouble() > 0);
        Assert.Equal(Structure(_cli.PathOf("plain", "last.safetensors")), Structure(_cli.PathOf("tost", "last.safetensors")));
        using var plainDoc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("plain", "summary.json")));
        Assert.Equal(doc.RootElement.GetProperty("params_total").GetInt64(), plainDoc.RootElement.GetProperty("params_total").GetInt64());
        // Same mask and steps: the recipe's run executed exactly its ghost paths' and LRsI's multiply-adds more.
        double extra = callback.GetProperty("ghost_macs").GetDouble() + doc.RootElement.GetProperty("recipe").GetProperty("lrsi").GetProperty("macs").GetDouble();
        double withRecipe = doc.RootElement.GetProperty("sparsity").GetProperty("train_macs").GetDouble();
        double without = plainDoc.RootElement.GetProperty("sparsity").GetProperty("train_macs").GetDouble();
        Assert.True(doc.RootElement.GetProperty("recipe").GetProperty("lrsi").GetProperty("sample_passes").GetInt64() > 0);
        Assert.Equal(without + extra, withRecipe, withRecipe * 1e-9);
    }

    [Fact]
    public void RecipeComposesWithADynamicMethodOnASparseResNet()
    {
        // RigL rewires the CSR convs while the ghosts are attached: growth must see the block's own layers only.
        var r = _cli.Train("rigl", "--model", "resnet8", "--epochs", "2", "--batch-size", "64", "--method", "rigl", "--density", "0.3",
            "--update-every", "5", "--recipe", "tost", "--lrsi-iterations", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("rigl", "summary.json")));
        Assert.True(doc.RootElement.GetProperty("sparsity").GetProperty("topology_updates").GetInt32() > 0);
        Assert.True(doc.RootElement.GetProperty("recipe").GetProperty("callback").GetProperty("ghosts_removed").GetBoolean());
        Assert.True(double.IsFinite(doc.RootElement.GetProperty("test_accuracy").GetDouble()));
    }

    private static List<string> Structure(string checkpoint) =>
        Sprout.Training.Checkpoints.SafetensorsFile.Read(checkpoint).Entries.Select(e => e.Name + ":" + string.Join('x', e.Shape)).Order().ToList();

    [Fact]
    public void AResumedRunKeepsLrsisRecordAndTheRecipesCost()
    {
        string[] args = ["--model", "resnet8", "--epochs", "2", "--batch-size", "64", "--method", "static", "--density", "0.3", "--recipe", "tost", "--lrsi-iterations", "2"];
        var straight = _cli.Train("straight", args);
        Assert.True(straight.ExitCode == 0, straight.ToString());
        var first = _cli.Train("cut", [.. args, "--stop-after", "1"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var resumed = CliRunner.Run("train", "--resume", _cli.PathOf("cut", "last.safetensors"));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        using var a = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("straight", "summary.json")));
        using var b = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("cut", "summary.json")));
        Assert.Equal("completed", b.RootElement.GetProperty("status").GetString());
        Assert.Equal(a.RootElement.GetProperty("recipe").GetProperty("lrsi").ToString(), b.RootElement.GetProperty("recipe").GetProperty("lrsi").ToString());
        Assert.Equal(a.RootElement.GetProperty("sparsity").GetProperty("train_macs").GetDouble(), b.RootElement.GetProperty("sparsity").GetProperty("train_macs").GetDouble());
        Assert.Equal(a.RootElement.GetProperty("test_accuracy").GetDouble(), b.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void ComponentsRunOnTheirOwn()
    {
        var r = _cli.Train("neurons", "--ghost-neurons", "--epochs", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("neurons", "summary.json")));
        var recipe = doc.RootElement.GetProperty("recipe");
        Assert.Equal("none", recipe.GetProperty("recipe").GetString());
        Assert.False(recipe.TryGetProperty("lrsi", out _));
        Assert.Equal(0.0, recipe.GetProperty("callback").GetProperty("label_smoothing_start").GetDouble());

        var smoothing = _cli.Train("smoothing", "--label-smoothing", "0.2", "--label-smoothing-anneal", "--epochs", "2");
        Assert.True(smoothing.ExitCode == 0, smoothing.ToString());
        var lrsi = _cli.Train("lrsi", "--lrsi", "--lrsi-iterations", "2", "--lrsi-step", "0.5", "--epochs", "1");
        Assert.True(lrsi.ExitCode == 0, lrsi.ToString());
        Assert.Contains("lrsi: 2 iterations", lrsi.Output);
        Assert.Contains("step η 0.5", lrsi.Output);
        using var lrsiDoc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("lrsi", "summary.json")));
        var entry = lrsiDoc.RootElement.GetProperty("recipe").GetProperty("lrsi");
        Assert.Equal(0.5, entry.GetProperty("step").GetDouble(), 6);
        foreach (var key in new[] { "gradient_norm_before", "gradient_norm_after", "loss_after_step_before", "loss_after_step_after" })
            Assert.True(double.IsFinite(entry.GetProperty(key).GetDouble()), key);
        Assert.False(entry.GetProperty("fixed_direction").GetBoolean());

        var released = _cli.Train("released", "--lrsi", "--lrsi-iterations", "2", "--lrsi-fixed-direction", "--epochs", "1");
        Assert.True(released.ExitCode == 0, released.ToString());
        Assert.Contains("(direction held fixed)", released.Output);
        using var releasedDoc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("released", "summary.json")));
        Assert.True(releasedDoc.RootElement.GetProperty("recipe").GetProperty("lrsi").GetProperty("fixed_direction").GetBoolean());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.1")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("11")]
    public void BadLrsiStepExitsTwoWithoutARunFolder(string step)
    {
        var r = _cli.Train("badstep", "--lrsi", "--lrsi-step", step, "--epochs", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--lrsi-step", r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("badstep")), "no run folder for a refused run");
    }

    [Theory]
    [InlineData("skips", "--ghost-skips")]
    [InlineData("anneal", "--label-smoothing-anneal")]
    public void ImpossibleCombinationsExitTwoWithoutARunFolder(string name, string flag)
    {
        var r = _cli.Train(name, flag, "--epochs", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.False(Directory.Exists(_cli.PathOf(name)), "no run folder for a refused run");
    }
}
