// SproutCli: the `sprout` command's entry point. Builds the command tree (System.CommandLine 3), turns
// parse errors into one line + exit 2, and maps exceptions to exit codes in one place: user errors
// (UsageException, DataException, CheckpointException) → 2 with their one-line message, a non-finite loss
// → 3, a refused read/write (IOException: read-only folder, disk full) → 4, Ctrl+C → 130, anything else → 1
// with a short message (stack trace only with --verbose).
using System.CommandLine;
using System.CommandLine.Invocation;
using Sprout.Cli.Commands;
using Sprout.Data;
using Sprout.Training;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli;

/// <summary>Runs the sprout command line.</summary>
public static class SproutCli
{
    /// <summary>Runs in-process with the given writers (no progress bars, no signal handling). Returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Execute(args, new CliContext(output, error, IsTerminal: false, args), handleSignals: false);

    /// <summary>Runs against the process console, with Ctrl+C handling. Returns the exit code.</summary>
    public static int RunConsole(string[] args) =>
        Execute(args, new CliContext(Console.Out, Console.Error, !Console.IsOutputRedirected, args), handleSignals: true);

    private static int Execute(string[] args, CliContext context, bool handleSignals)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces for internal errors", Recursive = true };
        var root = new RootCommand("Sprout: always-sparse neural-network training.\n" +
            "Exit codes: 0 success, 1 internal error, 2 bad input (arguments, config, data, checkpoint, existing run), " +
            "3 loss became NaN/infinite, 4 a file could not be read or written (permissions, disk full), 130 interrupted.")
        {
            verbose,
            TrainCommand.Create(context),
            EvalCommand.Create(context),
            BenchCommand.Create(context),
            PruneCommand.Create(context),
            DataCommand.Create(context),
            SweepCommand.Create(context),
            ReportCommand.Create(context),
            ExportCommand.Create(context),
        };
        // The built-in --version prints the entry assembly's version, which in-process (tests) is the host's.
        foreach (var option in root.Options)
            if (option is VersionOption version) version.Action = new PrintVersion();
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
        {
            string command = parse.CommandResult.Command is RootCommand ? "sprout" : $"sprout {parse.CommandResult.Command.Name}";
            // A stray word explains more than the "required command was not provided" it causes.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            context.Error.WriteLine($"error: {OneLine(error.Message)} (see '{command} --help')");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = handleSignals ? TimeSpan.FromSeconds(5) : null,
        };
        try
        {
            return parse.InvokeAsync(invocation).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return Report(e, context, parse.GetValue(verbose));
        }
    }

    /// <summary>Prints an exception as one line and returns its exit code.</summary>
    public static int Report(Exception e, CliContext context, bool verbose)
    {
        (int code, string message) = e switch
        {
            UsageException or DataException or CheckpointException => (ExitCodes.Usage, e.Message),
            NonFiniteLossException => (ExitCodes.NonFiniteLoss, e.Message + " Try a lower --lr."),
            IOException or UnauthorizedAccessException =>
                (ExitCodes.IoFailure, $"cannot read or write a file: {e.Message} Check the folder's permissions and free disk space."),
            OperationCanceledException => (ExitCodes.Cancelled, "Interrupted."),
            _ => (ExitCodes.Failure, $"internal error: {e.GetType().Name}: {e.Message}" + (verbose ? "" : " (run with --verbose for details)")),
        };
        context.Error.WriteLine($"error: {OneLine(message)}");
        if (verbose) context.Error.WriteLine(e.ToString());
        return code;
    }

    /// <summary>The informational version of this assembly ("0.1.0+commit").</summary>
    public static string Version { get; } =
        typeof(SproutCli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..] ? a.InformationalVersion : "0.0.0";

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Ok;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
