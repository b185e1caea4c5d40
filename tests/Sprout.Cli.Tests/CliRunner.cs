// CliRunner: runs the sprout CLI in-process (same code path as the executable, minus the console) and
// captures its exit code, stdout and stderr; owns a temporary folder for the run directories.
using Sprout.TestSupport;

namespace Sprout.Cli.Tests;

public sealed class CliRunner : IDisposable
{
    private readonly TempDir _dir = new("sprout-cli");

    public string Root => _dir.Path;

    public void Dispose() => _dir.Dispose();

    public string PathOf(params string[] parts) => _dir.PathOf(parts);

    public static CliResult Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = SproutCli.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A fast training run on the embedded digits into Root/name.</summary>
    public CliResult Train(string name, params string[] extra) =>
        Run(["train", "--model", "mlp:16", "--epochs", "2", "--out", PathOf(name), .. extra]);
}
