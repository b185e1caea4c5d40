// UsageException: the CLI's one error type for input the user can fix (bad flag values, unknown names,
// bad config files, an existing run directory). The top level prints its message as one line and exits
// with ExitCodes.Usage; no stack trace is shown.
namespace Sprout.Cli;

/// <summary>A problem with the user's input; the message is one line saying what is wrong and how to fix it.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public UsageException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public UsageException(string message, Exception inner) : base(message, inner) { }
}
