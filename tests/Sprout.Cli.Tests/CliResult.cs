// CliResult: exit code and captured output of one in-process CLI run.
namespace Sprout.Cli.Tests;

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>Stderr's single line (asserts there is exactly one).</summary>
    public string ErrorLine
    {
        get
        {
            string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}:\n{Error}");
            return lines[0];
        }
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
