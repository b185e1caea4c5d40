// Multi-head scaled dot-product self-attention composed from primitives (no node of its own, so its gradient is
// exactly the primitives' gradients): split the fused qkv rows into heads, S = q·kᵀ, P = softmax(S/√d),
// O = P·v, merge heads. No mask and no dropout (simple_vit has neither).
namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// softmax(q·kᵀ/√d)·v per sample and head, from fused projections qkv [B·N, 3·h·d] (columns: q heads, k heads, v heads)
    /// to [B·N, h·d] with the heads side by side, ready for the output projection.
    /// </summary>
    /// <exception cref="ArgumentException">The rows are not a multiple of N or the width not a multiple of 3·heads.</exception>
    public static Tensor SelfAttention(Tensor qkv, int tokens, int heads)
    {
        var q = SplitHeads(qkv, tokens, heads, part: 0, parts: 3);
        var k = SplitHeads(qkv, tokens, heads, part: 1, parts: 3);
        var v = SplitHeads(qkv, tokens, heads, part: 2, parts: 3);
        var scores = BatchedMatMul(q, k, transB: true);                   // [B·h, N, N]
        var weights = Softmax(scores, 1f / MathF.Sqrt(q.Dim(2)));
        return MergeHeads(BatchedMatMul(weights, v), heads);               // [B·h, N, d] → [B·N, h·d]
    }
}
