// ILayerState: optional for topology methods that carry per-layer state from one update to the next (DST-EE's
// activity counters, the always-sparse sparse momentum's candidate pool). The scheduler hands each layer's scope
// to the method, so a checkpoint holds e.g. "topology.1.counter_keys" without the checkpoint code knowing any
// method. Stateless methods (SET, RigL, GSE: only the scheduler's random stream) do not implement it.
using Sprout.Core;

namespace Sprout.Sparse.Topology;

/// <summary>A topology method with per-layer state that an exact resume needs.</summary>
public interface ILayerState
{
    /// <summary>Adds <paramref name="layer"/>'s state to <paramref name="state"/> (scoped to the layer).</summary>
    void SaveState(ISparseLayer layer, StateDict state);

    /// <summary>Restores <paramref name="layer"/>'s state; absent names mean the layer had none yet.</summary>
    /// <exception cref="InvalidDataException">The state does not fit the layer.</exception>
    void LoadState(ISparseLayer layer, StateDict state);
}
