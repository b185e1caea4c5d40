// PrunedLayer: one layer's chosen topology and starting weights, for PrunedLayerFactory.
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>A layer's topology [out × fan-in] whose Values hold the starting weights, and its starting bias (null: keep the layer's own).</summary>
public sealed record PrunedLayer(CsrMatrix Topology, float[]? Bias);
