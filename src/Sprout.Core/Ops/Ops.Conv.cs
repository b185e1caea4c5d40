// Dense 2-d convolution on FeatureMajor activations [C, B, H, W]: im2col + GEMM, W[Cout × C·kH·kW]·columns gives
// [Cout, B, OH, OW], already FeatureMajor. The lowering runs a few images at a time in cache-sized scratch (ConvGemm),
// and the backward recomputes the columns rather than keeping a [C·kH·kW × B·OH·OW] buffer per layer from forward to
// backward: whole-batch columns made the dense conv memory-bound (measured in docs/BENCHMARKS.md, "Conv nets").
// Backward: dW += dY·columnsᵀ, dX += col2im(Wᵀ·dY). A 1×1, stride-1, unpadded conv needs no lowering: its columns
// are the input itself, and its products run on the whole batch.
using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// y[Cout, B, OH, OW] = W[Cout × C·kH·kW] ⊛ x[C, B, H, W] (+ bias[Cout]); x and y are FeatureMajor. The weight's
    /// column index is (c·kH + i)·kW + j, as im2col lays its rows out.
    /// </summary>
    /// <exception cref="ArgumentException">x is not a FeatureMajor [C, B, H, W] tensor, or the weight, bias or window does not fit it.</exception>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, Window2d window)
    {
        RequireFeatureMajor4(x, "Conv2d");
        int c = x.Dim(0), b = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int fanIn = c * window.KernelHeight * window.KernelWidth;
        if (weight.Rank != 2 || weight.Dim(1) != fanIn)
            throw new ArgumentException($"Conv2d over {c} channels with a {window.KernelHeight}×{window.KernelWidth} kernel needs a weight [Cout × {fanIn}], got {weight}.", nameof(weight));
        int outC = weight.Dim(0);
        if (bias is not null && bias.Size != outC) throw new ArgumentException($"Conv2d bias has {bias.Size} elements, expected {outC}.", nameof(bias));
        window.Validate(h, w);
        int oh = window.OutputHeight(h), ow = window.OutputWidth(w), n = b * oh * ow;

        Span<int> shape = [outC, b, oh, ow];
        var y = Tape.NewOutput(shape);
        y.Layout = Layout.FeatureMajor;
        if (IsPointwise(window)) Gemm.Multiply(weight.Data, x.Data, y.Data, outC, n, fanIn);
        else ConvGemm.Forward(x.Data, weight.Data, y.Data, outC, c, b, h, w, window);
        if (bias is not null) FeatureBias.Forward(y.Data, bias.Data, outC, n, relu: false);
        if (NeedsGrad(x, weight, bias))
        {
            var node = Conv2dNode.Record(Tape.Current!);
            (node.X, node.W, node.B, node.Y, node.Window) = (x, weight, bias, y, window);
            y.RequiresGrad = true;
        }
        return y;
    }

    private static bool IsPointwise(Window2d w) =>
        w is { KernelHeight: 1, KernelWidth: 1, StrideHeight: 1, StrideWidth: 1, PadHeight: 0, PadWidth: 0 };

    private static void RequireFeatureMajor4(Tensor x, string op)
    {
        if (x.Rank != 4 || x.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"{op} expects a FeatureMajor [C, B, H, W] activation, got {x.Layout} {x}. Convert images with Ops.ToFeatureMajor first.", nameof(x));
    }

    private sealed class Conv2dNode : Node<Conv2dNode>
    {
        public Tensor X = null!, W = null!, Y = null!;
        public Tensor? B;
        public Window2d Window;

        public override void Backward()
        {
            int outC = W.Dim(0), fanIn = W.Dim(1), n = Y.Size / outC;
            var dy = Y.Grad;
            if (B is { RequiresGrad: true })
            {
                var db = B.Grad;
                for (int o = 0; o < outC; o++) db[o] += TensorPrimitives.Sum(dy.Slice(o * n, n));
            }
            if (IsPointwise(Window))
            {
                if (W.RequiresGrad) Gemm.Multiply(dy, X.Data, W.Grad, outC, fanIn, n, transB: true, accumulate: true);
                if (X.RequiresGrad)
                {
                    var dxp = X.GradForWrite(out bool fresh);   // overwritten when nothing has written it yet
                    Gemm.Multiply(W.Data, dy, dxp, fanIn, n, outC, transA: true, accumulate: !fresh);
                }
                return;
            }
            // A gradient nothing has written yet (X rented from the tape's pool) is overwritten, not cleared and added to.
            bool overwrite = false;
            var dx = X.RequiresGrad ? X.GradForWrite(out overwrite) : default;
            ConvGemm.Backward(X.Data, W.Data, dy, dx, W.RequiresGrad ? W.Grad : default,
                outC, X.Dim(0), X.Dim(1), X.Dim(2), X.Dim(3), Window, overwrite);
        }

        protected override void Clear() => (X, W, B, Y) = (null!, null!, null, null!);
    }
}
