// LayerDescription: what a weight layer says about itself for tables, summaries and FLOP counts: its kind, its
// geometry (W [Rows × Cols], linear or conv), its live connections, and the multiply-adds one application of W
// costs (forward, input gradient, weight gradient). Counts for an input shape multiply by the geometry's
// positions (samples, or B·OH·OW for a conv), so nothing is fixed per sample at construction.
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>A weight layer's self-description.</summary>
/// <param name="Kind">"dense", "csr", "masked" or "topkast" (a new layer kind names itself).</param>
/// <param name="Geometry">W's shape and, for a conv, its ConvShape.</param>
/// <param name="Nnz">Live connections (Top-KAST: the forward set).</param>
/// <param name="DenseMacsPerPosition">MACs of one training step per application of W if it were dense: 3·Rows·Cols.</param>
/// <param name="ExecutedMacsPerPosition">MACs the layer executes per application of W with its current topology.</param>
public sealed record LayerDescription(string Kind, LayerGeometry Geometry, long Nnz, long DenseMacsPerPosition, long ExecutedMacsPerPosition)
{
    /// <summary>Outputs (rows of W).</summary>
    public int Rows => Geometry.Rows;

    /// <summary>Fan-in (columns of W).</summary>
    public int Cols => Geometry.Cols;

    /// <summary>Nnz / (Rows·Cols).</summary>
    public double Density => (double)Nnz / ((long)Rows * Cols);

    /// <summary>Dense-equivalent training MACs for one step on an input of <paramref name="inputShape"/>.</summary>
    public long DenseMultiplyAdds(ReadOnlySpan<int> inputShape) => DenseMacsPerPosition * Geometry.Positions(inputShape);

    /// <summary>Executed training MACs for one step on an input of <paramref name="inputShape"/>.</summary>
    public long ExecutedMultiplyAdds(ReadOnlySpan<int> inputShape) => ExecutedMacsPerPosition * Geometry.Positions(inputShape);
}
