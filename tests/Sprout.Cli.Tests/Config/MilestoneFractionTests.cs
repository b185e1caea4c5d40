// Milestones as fractions of the run (issue 11, defect 10): `--epochs 2` used to fail on 39 of the 58 shipped
// configs because their epoch milestones lay beyond it. Every shipped config now validates at any --epochs.
using Sprout.Cli.Commands;
using Sprout.Cli.Config;

namespace Sprout.Cli.Tests.Config;

public sealed class MilestoneFractionTests
{
    private static string ConfigsFolder()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "configs", "methods"))) return Path.Combine(d.FullName, "configs");
        throw new DirectoryNotFoundException("configs/ not found above the test binary");
    }

    public static TheoryData<string> ShippedConfigs()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.EnumerateFiles(ConfigsFolder(), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(ConfigsFolder(), f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void EveryShippedConfigAcceptsAQuickTwoEpochTrial(string relative)
    {
        var s = new TrainSettings();
        ConfigFile.Apply(Path.Combine(ConfigsFolder(), relative), s);
        s.Epochs = 2;
        using var temp = new Sprout.TestSupport.TempDir("milestones");
        MaskFromStandIn.Apply(s, temp.Path);
        TrainRunner.Validate(s);
        Assert.All(TrainingSetup.MilestoneEpochs(s), m => Assert.InRange(m, 1, 2));
    }

    [Fact]
    public void FractionsScaleWithTheRunAndEpochsStayAsGiven()
    {
        var s = new TrainSettings { Epochs = 100 };
        Setting("milestones").Apply(s, "0.42,0.84", "--milestones");
        Assert.Equal([42, 84], TrainingSetup.MilestoneEpochs(s));
        s.Epochs = 10;
        Assert.Equal([4, 8], TrainingSetup.MilestoneEpochs(s));
        Setting("milestones").Apply(s, "[3, 6]", "--milestones");
        Assert.Equal([3, 6], TrainingSetup.MilestoneEpochs(s));
    }

    [Theory]
    [InlineData("0.5,30", "mixes epochs and fractions")]
    [InlineData("2.5", "must list epochs")]
    [InlineData("0", "must list epochs")]
    public void BadMilestonesAreOneLineErrors(string raw, string phrase) =>
        Assert.Contains(phrase, Assert.Throws<UsageException>(() => Setting("milestones").Apply(new TrainSettings(), raw, "--milestones")).Message);

    private static Setting Setting(string key) => SettingsTable.Find(key)!;
}
