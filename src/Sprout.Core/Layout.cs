// Layout: how a tensor's dimensions map to batch and features. It is carried by the tensor and set by the op
// that produced it, so a residual add, BatchNorm or concatenation can check (or follow) its inputs' layout
// instead of a layer guessing it from its neighbours. Changing layout is always an explicit op (a reorder).
namespace Sprout.Core;

/// <summary>Which dimension of an activation tensor is the batch.</summary>
public enum Layout
{
    /// <summary>Batch first: [B, F] or [B, C, H, W] (PyTorch's default). Parameters and plain tensors use this.</summary>
    BatchMajor = 0,

    /// <summary>
    /// Features first: [F, B] or [C, B, H, W]. CSR and im2col kernels want the batch (or the B·H·W positions) as
    /// the contiguous inner dimension, so sparse chains and conv nets run in this layout.
    /// </summary>
    FeatureMajor = 1,
}
