// ReduceOp: the element-wise reductions an ICommunicator offers (sums for gradients and statistics, min/max to
// check that every rank holds the same value).
namespace Sprout.Training.Distributed;

/// <summary>An element-wise reduction across ranks.</summary>
public enum ReduceOp
{
    /// <summary>Sum over ranks.</summary>
    Sum,

    /// <summary>Minimum over ranks.</summary>
    Min,

    /// <summary>Maximum over ranks.</summary>
    Max,
}
