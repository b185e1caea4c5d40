// IBatchStatistics: per-feature aggregates of a layer's last batch (inputs h and output gradients δ), which
// GSE's GraBo and GraEst sampling distributions are built from. O(batch·(in + out)) time, O(in + out) output:
// never a weight-shaped buffer. Implemented by layers that cache their last batch (SparseLinear); it is a
// separate interface so that layers without such a cache (MaskedLinear) need not pretend to have one.
namespace Sprout.Sparse;

/// <summary>A layer that can aggregate its cached last batch per input and per output feature.</summary>
public interface IBatchStatistics
{
    /// <summary>
    /// With empty <paramref name="signs"/> (GraBo): a_i = Σ_b |h_{i,b}| into <paramref name="inputStat"/> [Cols] and
    /// b_j = Σ_b |δ_{j,b}| into <paramref name="outputStat"/> [Rows].
    /// With signs s_b ∈ {±1} [batch] (GraEst): the signed sketches a_i = Σ_b s_b·h_{i,b} and b_j = Σ_b s_b·δ_{j,b}
    /// (E[a_i·b_j] = ∇_{ji}; GraEst samples from their absolute values).
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward and backward pass has been cached yet.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the layer or the cached batch.</exception>
    void BatchStatistics(ReadOnlySpan<float> signs, Span<float> inputStat, Span<float> outputStat);
}
