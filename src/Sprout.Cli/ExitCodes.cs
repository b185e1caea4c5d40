// ExitCodes: the sprout command's exit codes, in one place so docs, tests and code agree.
namespace Sprout.Cli;

/// <summary>Process exit codes of the sprout command.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected internal error (a bug): short message, stack trace with --verbose.</summary>
    public const int Failure = 1;
    /// <summary>Bad input: arguments, config file, data files, checkpoint, existing run directory.</summary>
    public const int Usage = 2;
    /// <summary>Training stopped because the loss became NaN or infinite.</summary>
    public const int NonFiniteLoss = 3;
    /// <summary>
    /// The system refused a read or write Sprout needed (read-only folder, disk full, permission denied, a path that
    /// is a folder): not the user's input and not a bug. Nothing of the user's was changed; temporary files were removed.
    /// </summary>
    public const int IoFailure = 4;
    /// <summary>Interrupted (Ctrl+C); the last finished epoch's checkpoint is kept.</summary>
    public const int Cancelled = 130;
}
