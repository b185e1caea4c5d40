// Node: one recorded op on the tape. Each op defines a sealed node type next to its forward code;
// nodes are pooled per type so recording a step allocates nothing once the pools are warm.
namespace Sprout.Core;

/// <summary>A recorded operation whose <see cref="Backward"/> accumulates input gradients from its output gradient.</summary>
public abstract class Node
{
    /// <summary>Reads the output gradient and accumulates (+=) into the gradients of inputs that require them.</summary>
    public abstract void Backward();

    /// <summary>Drops references and returns this node to its type's pool.</summary>
    internal abstract void Return();

    /// <summary>The op's name in <see cref="StepProfiler"/> rows.</summary>
    internal abstract string Label { get; }
}

/// <summary>Base for concrete nodes: gives each node type its own free list.</summary>
/// <typeparam name="TSelf">The concrete node type.</typeparam>
public abstract class Node<TSelf> : Node where TSelf : Node<TSelf>, new()
{
    // Per-thread free list: a tape is used by one thread at a time, and per-thread pools need no locks.
    [ThreadStatic] private static Stack<TSelf>? _free;

    private static readonly string ForwardLabel = StepProfiler.LabelOf(typeof(TSelf)) + " fwd";
    private static readonly string BackwardLabel = StepProfiler.LabelOf(typeof(TSelf)) + " bwd";

    internal sealed override string Label => BackwardLabel;

    /// <summary>Takes a node from the pool (or creates one) and records it on the tape.</summary>
    public static TSelf Record(Tape tape)
    {
        var free = _free ??= new Stack<TSelf>();
        var node = free.Count > 0 ? free.Pop() : new TSelf();
        StepProfiler.Mark(ForwardLabel); // ops record after computing: the time since the last mark is this op's forward
        tape.Add(node);
        return node;
    }

    /// <summary>Clears references to tensors so pooled nodes keep nothing alive.</summary>
    protected abstract void Clear();

    internal sealed override void Return()
    {
        Clear();
        (_free ??= new Stack<TSelf>()).Push((TSelf)this);
    }
}
