// SparseEpilogue: the operator a sparse layer applies to its output tile as it stores it (after the bias), instead
// of a separate op with its own buffer and pass. An operator, not a flag, so further epilogues can join it.
namespace Sprout.Sparse;

/// <summary>Elementwise operator fused into a sparse layer's output.</summary>
public enum SparseEpilogue
{
    /// <summary>y = x·Wᵀ + b.</summary>
    None = 0,

    /// <summary>y = max(0, x·Wᵀ + b).</summary>
    Relu = 1,
}
