// sprout sweep end to end on the embedded digits: one table row per config, FLOPs from each run's own counter,
// finished runs never silently retrained or overwritten, --reuse rebuilding the table from them, and an empty run
// folder counting as free (RunDirectory.IsFree, the rule `train` uses too).
namespace Sprout.Cli.Tests;

public class SweepCommandTests
{
    [Fact]
    public void SweepWritesTableAndRespectsExistingRuns()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.PathOf("configs"));
        File.WriteAllText(cli.PathOf("configs", "dense.yaml"), "model: mlp:16\nepochs: 1\n");
        File.WriteAllText(cli.PathOf("configs", "set.yaml"), "model: mlp:16\nepochs: 1\nmethod: set\ndensity: 0.1\n");
        string[] args = ["sweep", "--config", cli.PathOf("configs", "dense.yaml"), "--config", cli.PathOf("configs", "set.yaml"),
            "--seeds", "0,1", "--runs", cli.PathOf("runs"), "--out", cli.PathOf("table.md")];

        var first = CliRunner.Run(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        string table = File.ReadAllText(cli.PathOf("table.md"));
        var dense = table.Split('\n').Single(l => l.StartsWith("| dense "));
        var set = table.Split('\n').Single(l => l.StartsWith("| set "));
        Assert.EndsWith("| 1.000 |", dense.TrimEnd());
        double setFlops = double.Parse(set.TrimEnd().TrimEnd('|').Split('|').Last().Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(setFlops, 0.05, 0.5); // a 10%-dense network's own FLOP counter, not its parameter count
        Assert.True(Directory.Exists(cli.PathOf("runs", "sweep-configs-set-s1")));

        var again = CliRunner.Run(args);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--reuse", again.ErrorLine);

        var reuse = CliRunner.Run([.. args, "--reuse"]);
        Assert.True(reuse.ExitCode == 0, reuse.ToString());
        Assert.Equal(table.Split('\n').Skip(1), File.ReadAllText(cli.PathOf("table.md")).Split('\n').Skip(1));
    }

    [Fact]
    public void ReuseContinuesACutRunFromItsLastCheckpointToTheSameResult()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.PathOf("configs"));
        string config = cli.PathOf("configs", "set.yaml");
        File.WriteAllText(config, "model: mlp:16\nepochs: 3\nmethod: set\ndensity: 0.2\nupdate-every: 5\n");
        string cut = cli.PathOf("runs", "sweep-configs-set-s0");
        var first = CliRunner.Run(["train", "--config", config, "--seed", "0", "--name", "sweep-configs-set-s0", "--out", cut, "--stop-after", "1", "--plain", "true"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var straight = CliRunner.Run(["sweep", "--config", config, "--seeds", "0", "--runs", cli.PathOf("straight")]);
        Assert.True(straight.ExitCode == 0, straight.ToString());

        var sweep = CliRunner.Run(["sweep", "--config", config, "--seeds", "0", "--runs", cli.PathOf("runs"), "--reuse"]);
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        Assert.Contains("continuing from", sweep.Output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(cut, "metrics.jsonl")).Length);   // epoch 1 kept, 2 and 3 added
        using var a = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.PathOf("straight", "sweep-configs-set-s0"), "summary.json")));
        using var b = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(cut, "summary.json")));
        Assert.Equal("completed", b.RootElement.GetProperty("status").GetString());
        Assert.Equal(a.RootElement.GetProperty("test_accuracy").GetDouble(), b.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void AnEmptyRunFolderIsFreeAsInTrain()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.PathOf("configs"));
        File.WriteAllText(cli.PathOf("configs", "dense.yaml"), "model: mlp:16\nepochs: 1\n");
        Directory.CreateDirectory(cli.PathOf("runs", "sweep-configs-dense-s0"));
        var result = CliRunner.Run(["sweep", "--config", cli.PathOf("configs", "dense.yaml"), "--seeds", "0", "--runs", cli.PathOf("runs")]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void ReuseTakesARunTrainedByHandOnOtherThreadsButNotOneWithOtherSettings()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.PathOf("configs"));
        string config = cli.PathOf("configs", "dense.yaml");
        File.WriteAllText(config, "model: mlp:16\nepochs: 1\n");
        string run = cli.PathOf("runs", "sweep-configs-dense-s0");
        var byHand = CliRunner.Run(["train", "--config", config, "--seed", "0", "--name", "sweep-configs-dense-s0", "--out", run, "--threads", "1", "--plain", "true"]);
        Assert.True(byHand.ExitCode == 0, byHand.ToString());
        var trained = File.GetLastWriteTimeUtc(Path.Combine(run, "summary.json"));

        string[] sweep = ["sweep", "--config", config, "--seeds", "0", "--runs", cli.PathOf("runs"), "--reuse"];
        var reuse = CliRunner.Run(sweep);
        Assert.True(reuse.ExitCode == 0, reuse.ToString());
        Assert.Equal(trained, File.GetLastWriteTimeUtc(Path.Combine(run, "summary.json"))); // read back, not retrained
        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
            Assert.True(summary.RootElement.GetProperty("peak_memory_mb").GetDouble() > 1, "the run records its peak memory");
        Assert.DoesNotContain("| — |", reuse.Output); // so the table shows it

        // A setting that did not exist when the run was trained (absent from its config.yaml) and is unset now is no difference.
        string saved = Path.Combine(run, "config.yaml");
        File.WriteAllLines(saved, File.ReadAllLines(saved).Where(l => !l.StartsWith("mask-from:") && !l.StartsWith("lrsi-step:")));
        Assert.True(CliRunner.Run(sweep).ExitCode == 0);

        File.WriteAllText(config, "model: mlp:16\nepochs: 1\nlr: 0.02\n");
        var other = CliRunner.Run(sweep);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("other settings (lr:", other.ErrorLine);
    }

    [Fact]
    public void TableOnlyTabulatesFinishedRunsTrainsNothingAndListsTheRest()
    {
        using var cli = new CliRunner();
        Directory.CreateDirectory(cli.PathOf("configs"));
        string dense = cli.PathOf("configs", "dense.yaml"), set = cli.PathOf("configs", "set.yaml");
        File.WriteAllText(dense, "model: mlp:16\nepochs: 1\n");
        File.WriteAllText(set, "model: mlp:16\nepochs: 1\nmethod: set\ndensity: 0.1\n");
        var byHand = CliRunner.Run(["train", "--config", dense, "--seed", "0", "--name", "sweep-configs-dense-s0",
            "--out", cli.PathOf("runs", "sweep-configs-dense-s0"), "--plain", "true"]);
        Assert.True(byHand.ExitCode == 0, byHand.ToString());

        string[] table = ["sweep", "--config", dense, "--config", set, "--seeds", "0,1", "--runs", cli.PathOf("runs"), "--table-only"];
        var result = CliRunner.Run(table);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("| dense | 1 |", result.Output);
        Assert.Contains("| set | 0 | not run yet |", result.Output);
        Assert.Contains("Not finished yet (seeds): dense 1; set 0, 1.", result.Output);
        Assert.Equal(["sweep-configs-dense-s0"], Directory.GetDirectories(cli.PathOf("runs")).Select(Path.GetFileName));

        var both = CliRunner.Run([.. table, "--overwrite"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--table-only", both.ErrorLine);
    }
}
