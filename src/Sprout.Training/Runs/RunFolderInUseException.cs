// RunFolderInUseException: a run folder is locked by another live Sprout process (see RunLock). It derives from
// IOException so callers that already treat an unusable run folder as the user's problem keep doing so.
namespace Sprout.Training.Runs;

/// <summary>Another live process holds the run folder's lock; the message is one line.</summary>
public sealed class RunFolderInUseException(string message, Exception? inner = null) : IOException(message, inner);
