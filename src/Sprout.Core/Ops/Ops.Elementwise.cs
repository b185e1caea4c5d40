// Elementwise arithmetic on equal shapes (no broadcasting: a bias or scale that broadcasts has its own op),
// and the reductions that turn a tensor into a scalar loss.
using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>c = a + b (same shape). Used by residual connections.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(a, b, multiply: false);

    /// <summary>c = a ⊙ b (same shape).</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Binary(a, b, multiply: true);

    private static Tensor Binary(Tensor a, Tensor b, bool multiply)
    {
        if (!a.HasShape(b.Shape))
            throw new ArgumentException($"Elementwise ops need equal shapes; got {a} and {b}.");
        // Equal shapes can still mean different things ([C, B, H, W] against [B, C, H, W] when B = C).
        if (a.Layout != b.Layout)
            throw new ArgumentException($"Elementwise ops need equal layouts; got {a.Layout} {a} and {b.Layout} {b}. Reorder one of them first.");
        var c = Tape.NewOutput(a.Shape);
        c.Layout = a.Layout;
        if (multiply) Elementwise.Multiply(a.Data, b.Data, c.Data);
        else Elementwise.Add(a.Data, b.Data, c.Data);
        if (NeedsGrad(a, b))
        {
            var node = BinaryNode.Record(Tape.Current!);
            (node.A, node.B, node.C, node.Multiply) = (a, b, c, multiply);
            c.RequiresGrad = true;
        }
        return c;
    }

    private sealed class BinaryNode : Node<BinaryNode>
    {
        public Tensor A = null!, B = null!, C = null!;
        public bool Multiply;

        public override void Backward()
        {
            var dc = C.Grad;
            if (Multiply)
            {
                if (A.RequiresGrad) Elementwise.MultiplyAccumulate(dc, B.Data, A.Grad);
                if (B.RequiresGrad) Elementwise.MultiplyAccumulate(dc, A.Data, B.Grad);
            }
            else
            {
                if (A.RequiresGrad) CopyOrAccumulate(dc, A);
                if (B.RequiresGrad) CopyOrAccumulate(dc, B);
            }
        }

        /// <summary>
        /// t.grad += dc, as a copy when nothing has written t's gradient yet: a residual add is the last op of its block,
        /// so in backward both its inputs' gradients are usually fresh, and a copy saves clearing them and reading zeros back.
        /// </summary>
        private static void CopyOrAccumulate(ReadOnlySpan<float> dc, Tensor t)
        {
            var grad = t.GradForWrite(out bool fresh);
            if (fresh) dc.CopyTo(grad);
            else Elementwise.Accumulate(dc, grad);
        }

        protected override void Clear() => (A, B, C) = (null!, null!, null!);
    }

    /// <summary>c = s·a.</summary>
    public static Tensor Scale(Tensor a, float s)
    {
        var c = Tape.NewOutput(a.Shape);
        c.Layout = a.Layout;
        Elementwise.Scale(a.Data, s, c.Data);
        if (NeedsGrad(a))
        {
            var node = ScaleNode.Record(Tape.Current!);
            (node.A, node.C, node.S) = (a, c, s);
            c.RequiresGrad = true;
        }
        return c;
    }

    private sealed class ScaleNode : Node<ScaleNode>
    {
        public Tensor A = null!, C = null!;
        public float S;

        public override void Backward() => Elementwise.Axpy(S, C.Grad, A.Grad);

        protected override void Clear() => (A, C) = (null!, null!);
    }

    /// <summary>Scalar Σ a (shape [1]).</summary>
    public static Tensor Sum(Tensor a) => Reduce(a, 1f);

    /// <summary>Scalar mean of a (shape [1]).</summary>
    public static Tensor Mean(Tensor a) => Reduce(a, a.Size == 0 ? 0f : 1f / a.Size);

    private static Tensor Reduce(Tensor a, float factor)
    {
        var c = Tape.NewOutput(ScalarShape);
        c[0] = TensorPrimitives.Sum(a.Data) * factor;
        if (NeedsGrad(a))
        {
            var node = ReduceNode.Record(Tape.Current!);
            (node.A, node.C, node.Factor) = (a, c, factor);
            c.RequiresGrad = true;
        }
        return c;
    }

    private sealed class ReduceNode : Node<ReduceNode>
    {
        public Tensor A = null!, C = null!;
        public float Factor;

        public override void Backward()
        {
            float g = C.Grad[0] * Factor;
            var da = A.GradForWrite(out bool fresh);   // a gradient nothing has written yet is filled, not cleared and added to
            if (fresh) da.Fill(g);
            else TensorPrimitives.Add(da, g, da);
        }

        protected override void Clear() => (A, C) = (null!, null!);
    }
}
