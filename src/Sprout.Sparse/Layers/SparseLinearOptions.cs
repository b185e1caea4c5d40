// SparseLinearOptions: the layout a sparse layer emits and what it fuses into its output. The input layout is not an
// option: it is read from the input tensor's Layout (set by the op that produced it), so the layer accepts either.
// The CSR kernels read and write feature-major activations ([features × batch], batch contiguous); dense layers and
// the loss use batch-major ([batch × features]). A chain of sparse layers whose outputs are feature-major converts
// once at entry and once at exit; a ReLU fused into the layer needs no buffer or pass of its own.
// SparseModels.FuseSparseChains sets these for consecutive sparse layers.
using Sprout.Core;

namespace Sprout.Sparse;

/// <summary>Output layout and epilogue of a <c>SparseLinear</c> (default: batch-major output, no epilogue).</summary>
/// <param name="Output">Layout of the output: BatchMajor [batch × out], or FeatureMajor [out × batch] for a following sparse layer.</param>
/// <param name="Epilogue">Operator applied to the output as it is stored.</param>
public readonly record struct SparseLinearOptions(Layout Output = Layout.BatchMajor, SparseEpilogue Epilogue = SparseEpilogue.None)
{
    /// <summary>True when the output is feature-major.</summary>
    public bool OutputFeatureMajor => Output == Layout.FeatureMajor;

    /// <summary>True when a ReLU is fused.</summary>
    public bool Relu => Epilogue == SparseEpilogue.Relu;
}
