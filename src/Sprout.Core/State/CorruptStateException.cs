// CorruptStateException: checkpoint state that cannot have been written by Sprout (a CSR structure whose indptr
// decreases, a column out of range), as opposed to valid state of another model. The two need different advice:
// "use another checkpoint" rather than "check --model".
namespace Sprout.Core;

/// <summary>Saved state that is internally inconsistent (corrupt), not merely written for another model.</summary>
public sealed class CorruptStateException(string message) : Exception(message);
