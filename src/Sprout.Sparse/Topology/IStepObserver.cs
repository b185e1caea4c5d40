// IStepObserver: an optional hook for methods that accumulate a signal every training step rather than only at
// update steps (Sprout's always-sparse sparse momentum tracks a gradient EMA on a candidate pool). The scheduler
// calls it on every step before deciding whether to update; methods that do not need it do not implement it.
namespace Sprout.Sparse.Topology;

/// <summary>A topology method that observes every training step.</summary>
public interface IStepObserver
{
    /// <summary>Called by <see cref="TopologyScheduler.Step"/> for each layer after every optimizer step, before any update.</summary>
    void Observe(ISparseLayer layer, TopologyContext context);
}
