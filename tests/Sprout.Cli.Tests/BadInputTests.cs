// Every kind of bad input gives exit code 2 and exactly one stderr line containing the key phrase
// (no stack trace), before any training starts.
namespace Sprout.Cli.Tests;

public sealed class BadInputTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string[], string> Cases() => new()
    {
        { ["train", "--model", "cnn"], "Unknown model 'cnn'" },
        { ["train", "--model", "mlp:300,x"], "Bad model spec 'mlp:300,x'" },
        { ["train", "--model", "mlp:0"], "not a positive integer" },
        { ["train", "--data", "imagenet"], "Unknown dataset 'imagenet'" },
        { ["train", "--optimizer", "rmsprop"], "unknown optimizer 'rmsprop'; valid: sgd, adam, adamw" },
        { ["train", "--schedule", "linear"], "unknown schedule 'linear'" },
        { ["train", "--method", "snfs-x"], "Unknown method 'snfs-x'; valid: dense, static, set, rigl" },
        { ["train", "--method", "rigl", "--density", "0"], "--density must be in (0, 1], got 0" },
        { ["train", "--method", "rigl", "--distribution", "foo"], "unknown distribution 'foo'; valid: uniform, er, erk" },
        { ["train", "--method", "set", "--layer-kind", "coo"], "unknown layer-kind 'coo'" },
        { ["train", "--method", "set", "--decay", "exp"], "unknown decay 'exp'" },
        { ["train", "--method", "set", "--drop-fraction", "2"], "--drop-fraction must be in [0, 1]" },
        { ["train", "--method", "rigl", "--density", "1"], "--density must be below 1 for --method rigl" },
        { ["prune", "imp", "--rounds", "0"], "--rounds must be ≥ 1, got 0" },
        { ["train", "--epochs", "0"], "--epochs must be a positive integer, got '0'" },
        { ["train", "--epochs", "two"], "--epochs must be a positive integer, got 'two'" },
        { ["train", "--batch-size", "-5"], "--batch-size must be a positive integer" },
        { ["train", "--lr", "0"], "--lr must be greater than 0" },
        { ["train", "--lr", "-1"], "--lr must be greater than 0" },
        { ["train", "--lr", "fast"], "--lr must be a number" },
        { ["train", "--momentum", "1.5"], "--momentum must be in [0, 1)" },
        { ["train", "--label-smoothing", "1"], "--label-smoothing must be in [0, 1)" },
        { ["train", "--nesterov", "maybe"], "--nesterov must be true or false" },
        { ["train", "--warmup-epochs", "5", "--epochs", "5"], "--warmup-epochs (5) must be smaller than --epochs (5)" },
        { ["train", "--schedule", "multistep", "--milestones", "5,50", "--epochs", "10"], "beyond --epochs 10" },
        { ["train", "--threads", "1000"], "--threads must be at most 256" },
        { ["train", "--limit-train-batches", "0"], "--limit-train-batches must be a positive integer, got '0'" },
        { ["train", "--limit-eval-batches", "some"], "--limit-eval-batches must be a positive integer, got 'some'" },
        { ["train", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { ["train", "--epochs"], "--epochs" },
        { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["eval"], "--checkpoint" },
        { ["data", "download", "imagenet"], "imagenet" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadArgumentsGiveOneLineAndExit2(string[] args, string phrase)
    {
        // Train runs get an --out so that a wrongly accepted run could not litter the working directory.
        var r = CliRunner.Run(args.Length > 1 && args[0] == "train" && args[^1] != "--epochs" ? [.. args, "--out", _cli.PathOf("never")] : args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.StartsWith("error: ", r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("never")), "a run directory was created for bad input");
    }

    [Fact]
    public void MissingDataFilesAreAOneLineError()
    {
        var r = CliRunner.Run("train", "--data", "mnist", "--data-dir", _cli.PathOf("nodata"), "--out", _cli.PathOf("run"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("mnist", r.ErrorLine);
    }

    [Fact]
    public void CorruptDataFilesAreAOneLineError()
    {
        string dir = Directory.CreateDirectory(_cli.PathOf("data", "mnist")).FullName;
        foreach (string f in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllBytes(Path.Combine(dir, f), [0, 0, 8, 3, 0, 0]);
        var r = CliRunner.Run("train", "--data", "mnist", "--data-dir", _cli.PathOf("data"), "--out", _cli.PathOf("run"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("idx", r.ErrorLine);
    }

    [Theory]
    [InlineData("epoch: 3\n", "unknown key 'epoch'")]
    [InlineData("batch_size: 3\n", "did you mean 'batch-size'?")]
    [InlineData("epochs: 3\nlr: [oops\n", "invalid YAML")]
    [InlineData("epochs: 0\n", "'epochs' must be a positive integer")]
    [InlineData("limit-train-batches: -1\n", "'limit-train-batches' must be a positive integer")]
    [InlineData("model:\n  kind: mlp\n", "'model' must be a single value")]
    [InlineData("- epochs\n", "expected 'key: value' lines")]
    public void BadConfigFilesGiveOneLineAndExit2(string yaml, string phrase)
    {
        string path = _cli.PathOf("bad.yaml");
        File.WriteAllText(path, yaml);
        var r = CliRunner.Run("train", "--config", path, "--out", _cli.PathOf("run"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.Contains("bad.yaml", r.ErrorLine);
    }

    [Fact]
    public void UnknownConfigKeyListsTheValidKeys()
    {
        string path = _cli.PathOf("bad.yaml");
        File.WriteAllText(path, "learning-rate: 0.1\n");
        var r = CliRunner.Run("train", "--config", path);
        Assert.Contains("valid keys: data, data-dir, model", r.ErrorLine);
        Assert.Contains("lr", r.ErrorLine);
    }

    [Fact]
    public void MissingConfigFile()
    {
        var r = CliRunner.Run("train", "--config", _cli.PathOf("nope.yaml"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Config file not found", r.ErrorLine);
    }

    [Fact]
    public void MissingAndCorruptCheckpoints()
    {
        var missing = CliRunner.Run("train", "--resume", _cli.PathOf("nope.safetensors"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Checkpoint file not found", missing.ErrorLine);

        string corrupt = _cli.PathOf("corrupt.safetensors");
        File.WriteAllBytes(corrupt, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        foreach (var args in new[] { new[] { "train", "--resume", corrupt }, new[] { "eval", "--checkpoint", corrupt } })
        {
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("not a valid safetensors file", r.ErrorLine);
        }
    }

    [Fact]
    public void BadRunNameIsRejected()
    {
        var r = CliRunner.Run("train", "--name", "a/b");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a valid folder name", r.ErrorLine);
    }
}
