// Every YAML file shipped under configs/ parses with the final key names and passes the same validation
// `sprout train` runs before loading data (settings, method, model spec, dataset name); a --mask-from config against
// a stand-in dense checkpoint (MaskFromStandIn).
using Sprout.Cli.Config;
using Sprout.Cli.Methods;
using Sprout.Cli.Models;
using Sprout.Data;
using Sprout.TestSupport;

namespace Sprout.Cli.Tests.Config;

public class ShippedConfigTests
{
    public static TheoryData<string> Configs()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(ConfigRoot(), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(ConfigRoot(), path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void ConfigParsesAndValidates(string relative)
    {
        var s = new TrainSettings();
        ConfigFile.Apply(Path.Combine(ConfigRoot(), relative), s);
        using var temp = new TempDir("shipped-config");
        MaskFromStandIn.Apply(s, temp.Path);
        TrainingSetup.Validate(s);
        MethodRegistry.Get(s.Method).ForRun().Validate(s);
        ModelRegistry.Validate(s.Model, s.Data);
        Assert.True(DatasetRegistry.IsKnown(s.Data), $"{relative}: unknown dataset {s.Data}");
    }

    [Fact]
    public void MethodConfigsCoverEveryNewMethod()
    {
        var methods = Directory.EnumerateFiles(Path.Combine(ConfigRoot(), "methods"), "*.yaml").Select(p =>
        {
            var s = new TrainSettings();
            ConfigFile.Apply(p, s);
            return s.Method;
        }).ToHashSet();
        foreach (var m in new[] { "set", "rigl", "gse", "gse-grabo", "gse-graest", "dst-ee", "snfs", "snfs-sparse", "topkast", "spartan" })
            Assert.Contains(m, methods);
    }

    [Fact]
    public void MethodKeysReachTheSettings()
    {
        var s = new TrainSettings();
        ConfigFile.Apply(Path.Combine(ConfigRoot(), "methods", "mnist-lenet300-topkast-d05.yaml"), s);
        Assert.Equal((0.05, 100, 5e-4, "squared"), (s.TopKastBackward, s.TopKastRefresh, s.TopKastLambda, s.TopKastPenalty));
        ConfigFile.Apply(Path.Combine(ConfigRoot(), "methods", "mnist-lenet300-dst-ee-d05.yaml"), s);
        Assert.Equal((0.1, "linear", 1.0, true, 1.0), (s.DstEeC, s.DstEeBonus, s.DstEeEpsilon, s.DstEeNormalize, s.GseSubset));
        ConfigFile.Apply(Path.Combine(ConfigRoot(), "methods", "mnist-lenet300-spartan-d05.yaml"), s);
        Assert.Equal((20.0, 0.2, 0.2, "global", "1x1"), (s.SpartanBeta, s.SpartanWarmup, s.SpartanFinetune, s.SpartanAllocation, s.SpartanBlock));
        ConfigFile.Apply(Path.Combine(ConfigRoot(), "methods", "mnist-lenet300-snfs-sparse-d05.yaml"), s);
        Assert.Equal(("snfs-sparse", 0.5, 0.9), (s.Method, s.SnfsPruneRate, s.SnfsPoolMomentum));
    }

    private static string ConfigRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sprout.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "configs")))
                return Path.Combine(dir.FullName, "configs");
        throw new DirectoryNotFoundException("No configs/ directory above the test assembly.");
    }
}
