// CliContext: where a command writes and whether it may draw interactive progress. Tests pass string
// writers; Program passes the real console.
namespace Sprout.Cli;

/// <summary>Output streams and terminal facts for one CLI invocation.</summary>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error (one-line errors).</param>
/// <param name="IsTerminal">True when <paramref name="Output"/> is a real, non-redirected console (progress bars allowed).</param>
/// <param name="Arguments">The command line as given, for logs.</param>
public sealed record CliContext(TextWriter Output, TextWriter Error, bool IsTerminal, IReadOnlyList<string> Arguments);
