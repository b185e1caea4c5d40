// Multi-head scaled dot-product self-attention from fused qkv rows, in two forms with the same function:
// - SelfAttention: one fused op (Kernels.Attention), one task per (sample, head) with q, k, v gathered straight from the
//   projection rows, so no head split/merge tensors and no N×N gradient tensors; it saves only the softmax weights.
// - SelfAttentionFromPrimitives: split heads, S = q·kᵀ, P = softmax(S/√d), O = P·v, merge heads, each a primitive op
//   with its own node: the readable reference, and the oracle the fused op is tested against.
// The fused op also takes feature-major qkv [3·heads·d × B·N] (what always-sparse projections emit) and then returns
// feature-major [heads·d × B·N], so sparse projections around it need no transposes. No mask and no dropout
// (simple_vit has neither).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// softmax(q·kᵀ/√d)·v per sample and head, from fused projections qkv [B·N, 3·h·d] (columns: q heads, k heads, v heads)
    /// to [B·N, h·d] with the heads side by side, ready for the output projection. Fused: see <see cref="SelfAttentionFromPrimitives"/>.
    /// </summary>
    /// <exception cref="ArgumentException">qkv is not rank 2, its rows are not a multiple of N, or its width not a multiple of 3·heads.</exception>
    public static Tensor SelfAttention(Tensor qkv, int tokens, int heads)
    {
        bool featureMajor = qkv.Layout == Layout.FeatureMajor;
        var (batch, headDim) = AttentionShape(qkv, tokens, heads);
        Span<int> outShape = featureMajor ? [heads * headDim, batch * tokens] : [batch * tokens, heads * headDim];
        Span<int> weightsShape = [batch * heads, tokens, tokens];
        var y = Tape.NewOutput(outShape);
        var weights = Tape.NewOutput(weightsShape);
        if (featureMajor)
        {
            Attention.ForwardFeatureMajor(qkv.Data, y.Data, weights.Data, batch, tokens, heads, headDim);
            y.Layout = Layout.FeatureMajor;
        }
        else Attention.Forward(qkv.Data, y.Data, weights.Data, batch, tokens, heads, headDim);
        if (NeedsGrad(qkv))
        {
            var node = AttentionNode.Record(Tape.Current!);
            (node.Qkv, node.Weights, node.Y, node.Tokens, node.Heads, node.FeatureMajor) = (qkv, weights, y, tokens, heads, featureMajor);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>The same function as <see cref="SelfAttention"/>, composed from SplitHeads, BatchedMatMul, Softmax and MergeHeads.</summary>
    /// <exception cref="ArgumentException">qkv is not rank 2, its rows are not a multiple of N, or its width not a multiple of 3·heads.</exception>
    public static Tensor SelfAttentionFromPrimitives(Tensor qkv, int tokens, int heads)
    {
        if (qkv.Layout == Layout.FeatureMajor)
            throw new ArgumentException($"The composed self-attention takes batch-major qkv rows [B·N × 3·heads·d]; got feature-major {qkv}.", nameof(qkv));
        AttentionShape(qkv, tokens, heads);
        var q = SplitHeads(qkv, tokens, heads, part: 0, parts: 3);
        var k = SplitHeads(qkv, tokens, heads, part: 1, parts: 3);
        var v = SplitHeads(qkv, tokens, heads, part: 2, parts: 3);
        var scores = BatchedMatMul(q, k, transB: true);                   // [B·h, N, N]
        var weights = Softmax(scores, 1f / MathF.Sqrt(q.Dim(2)));
        return MergeHeads(BatchedMatMul(weights, v), heads);               // [B·h, N, d] → [B·N, h·d]
    }

    private static (int Batch, int HeadDim) AttentionShape(Tensor qkv, int tokens, int heads)
    {
        // Feature-major qkv is the transpose: features along dim 0, token rows along dim 1.
        bool featureMajor = qkv.Layout == Layout.FeatureMajor;
        int rows = qkv.Rank == 2 ? qkv.Dim(featureMajor ? 1 : 0) : 0, width = qkv.Rank == 2 ? qkv.Dim(featureMajor ? 0 : 1) : 0;
        if (qkv.Rank != 2 || tokens <= 0 || heads <= 0 || rows % tokens != 0 || width == 0 || width % (3 * heads) != 0)
            throw new ArgumentException($"Self-attention needs qkv rows [B·N × 3·heads·d] (or feature-major [3·heads·d × B·N]) with N = {tokens} dividing the rows and 3·{heads} the width; got {qkv}.");
        return (rows / tokens, width / (3 * heads));
    }

    private sealed class AttentionNode : Node<AttentionNode>
    {
        public Tensor Qkv = null!, Weights = null!, Y = null!;
        public int Tokens, Heads;
        public bool FeatureMajor;

        public override void Backward()
        {
            var (batch, headDim) = AttentionShape(Qkv, Tokens, Heads);
            // The kernel covers all of dQkv, so a gradient nothing has written yet (the usual case: qkv feeds only this op)
            // is overwritten instead of cleared and added to.
            var dQkv = Qkv.GradForWrite(out bool overwrite);
            if (FeatureMajor) Attention.BackwardFeatureMajor(Qkv.Data, Weights.Data, Y.Grad, dQkv, batch, Tokens, Heads, headDim, accumulate: !overwrite);
            else Attention.Backward(Qkv.Data, Weights.Data, Y.Grad, dQkv, batch, Tokens, Heads, headDim, accumulate: !overwrite);
        }

        protected override void Clear() => (Qkv, Weights, Y) = (null!, null!, null!);
    }
}
