// CheckpointException: the one error type for a checkpoint file a user handed us that we cannot use
// (missing, truncated, corrupt, or written for a different model). Its message is one line naming the
// file and the problem, so a CLI can print it as-is. It is not used for programming errors.
namespace Sprout.Training.Checkpoints;

/// <summary>A checkpoint or safetensors file is missing, malformed, or does not match the model.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public CheckpointException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
