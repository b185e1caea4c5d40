// TopologyScope: whether an update's drop/grow selection runs inside each layer or over all layers at once.
namespace Sprout.Sparse.Topology;

/// <summary>Where the k lowest drop scores and k best candidates are selected.</summary>
public enum TopologyScope
{
    /// <summary>Per layer: each layer replaces ⌊f·nnz_l⌋ of its own connections; per-layer nnz never changes.</summary>
    Layer,

    /// <summary>Over all layers: ⌊f·Σ nnz⌋ connections by one global ranking, so per-layer nnz drifts (GSE's repository).</summary>
    Global,
}
