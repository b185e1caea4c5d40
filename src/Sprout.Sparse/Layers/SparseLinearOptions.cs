// SparseLinearOptions: where a sparse layer's activations live and what it fuses into its output.
// The CSR kernels read and write feature-major activations ([features × batch], batch contiguous); every other op
// (dense layers, the loss) uses sample-major ([batch × features]). A chain of sparse layers whose inputs and outputs
// are feature-major converts once at entry and once at exit instead of twice per layer in each direction; a ReLU fused
// into the layer needs no buffer or pass of its own. SparseModels sets these for consecutive sparse layers.
namespace Sprout.Sparse;

/// <summary>Activation layouts and epilogue of a <c>SparseLinear</c> (default: sample-major in and out, no activation).</summary>
/// <param name="InputFeatureMajor">The input is [in × batch] (the previous layer's feature-major output), not [batch × in].</param>
/// <param name="OutputFeatureMajor">The output is [out × batch] (for a following sparse layer), not [batch × out].</param>
/// <param name="Relu">The output is ReLU(x·Wᵀ + b), applied in the layer.</param>
public readonly record struct SparseLinearOptions(bool InputFeatureMajor = false, bool OutputFeatureMajor = false, bool Relu = false);
