// Explicit layout changes between a batch of images as the data loader gives it (BatchMajor, [B, C·H·W] or
// [B, C, H, W]) and the FeatureMajor [C, B, H, W] a conv stack runs in, and back to the flat BatchMajor [B, C·H·W]
// a Linear head reads. Both are one copy (Reorder kernel); the backward is the opposite reorder.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>BatchMajor images (any shape of B·C·H·W elements with dim 0 = B) → FeatureMajor [C, B, H, W].</summary>
    /// <exception cref="ArgumentException">x is FeatureMajor already, or its size is not B·C·H·W.</exception>
    public static Tensor ToFeatureMajor(Tensor x, int channels, int height, int width)
    {
        int b = x.Rank == 0 ? 0 : x.Dim(0), plane = height * width;
        if (x.Layout != Layout.BatchMajor || channels < 1 || plane < 1 || x.Size != (long)b * channels * plane)
            throw new ArgumentException($"ToFeatureMajor expects a BatchMajor batch of {channels}×{height}×{width} images, got {x.Layout} {x}.", nameof(x));
        Span<int> shape = [channels, b, height, width];
        var y = Tape.NewOutput(shape);
        y.Layout = Layout.FeatureMajor;
        Reorder.SwapLeadingAxes(x.Data, y.Data, b, channels, plane);
        Record(x, y, b, channels, plane);
        return y;
    }

    /// <summary>FeatureMajor [C, B, H, W] (or [C, B]) → BatchMajor [B, C·H·W], flattened for a Linear layer.</summary>
    /// <exception cref="ArgumentException">x is not FeatureMajor.</exception>
    public static Tensor ToBatchMajor(Tensor x)
    {
        if (x.Rank < 2 || x.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"ToBatchMajor expects a FeatureMajor [C, B, …] activation, got {x.Layout} {x}.", nameof(x));
        int c = x.Dim(0), b = x.Dim(1), plane = x.Size / Math.Max(c * b, 1);
        Span<int> shape = [b, c * plane];
        var y = Tape.NewOutput(shape);
        Reorder.SwapLeadingAxes(x.Data, y.Data, c, b, plane);
        Record(x, y, c, b, plane);
        return y;
    }

    private static void Record(Tensor x, Tensor y, int d0, int d1, int inner)
    {
        if (!NeedsGrad(x)) return;
        var node = ReorderNode.Record(Tape.Current!);
        (node.X, node.Y, node.D0, node.D1, node.Inner) = (x, y, d0, d1, inner);
        y.RequiresGrad = true;
    }

    private sealed class ReorderNode : Node<ReorderNode>
    {
        public Tensor X = null!, Y = null!;
        public int D0, D1, Inner;

        public override void Backward()
        {
            // dx = reorder⁻¹(dy): written directly while dx is still all zero (the usual case), else added block by block.
            var dx = X.GradForWrite(out bool overwrite);
            var dy = Y.Grad;
            if (overwrite) { Reorder.SwapLeadingAxes(dy, dx, D1, D0, Inner); return; }
            for (int i = 0; i < D0; i++)
                for (int j = 0; j < D1; j++)
                {
                    var d = dx.Slice((i * D1 + j) * Inner, Inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(d, dy.Slice((j * D0 + i) * Inner, Inner), d);
                }
        }

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
