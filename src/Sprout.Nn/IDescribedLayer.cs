// IDescribedLayer: a weight layer describes itself (kind, geometry, nnz, multiply-adds), so tables and FLOP
// counts need no list of layer types; a new layer (a conv, a new sparse format) appears by implementing it.
namespace Sprout.Nn;

/// <summary>A weight layer that can describe itself.</summary>
public interface IDescribedLayer
{
    /// <summary>The layer as it is now (its nnz may change at topology updates).</summary>
    LayerDescription Describe();
}
