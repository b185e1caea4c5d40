// CliRunner: runs the sprout CLI in-process (same code path as the executable, minus the console) and
// captures its exit code, stdout and stderr; owns a temporary folder for the run directories.
namespace Sprout.Cli.Tests;

public sealed class CliRunner : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sprout-cli").FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

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
