// The masked dense conv op: y = (W ⊙ M) ⊛ x (+ b) with dense W [Cout × Cin·KH·KW] kept at zero off the mask, as
// published sparse-training code trains conv nets. It runs the dense conv kernels (im2col + GEMM, as Ops.Conv2d),
// and its backward forms the full dense dL/dW (some methods read it at inactive positions), then passes dW ⊙ M to
// W's gradient, or the unmasked dW when the method keeps optimizer state on inactive weights (sparse momentum).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Dense-state masked conv op over FeatureMajor [C, B, H, W] activations.</summary>
public static class MaskedConv2dOp
{
    /// <summary>
    /// y [Cout, B, OH, OW] = W ⊛ x (+ b), W already masked. <paramref name="denseGradient"/> [Cout × FanIn] receives the
    /// full dL/dW of the batch; W.Grad accumulates dL/dW ⊙ mask, or the full gradient when <paramref name="maskGradient"/> is false.
    /// </summary>
    /// <param name="x">Input [Cin, B, H, W], FeatureMajor.</param>
    /// <param name="weight">The weight the forward pass uses [Cout × Cin·KH·KW].</param>
    /// <param name="mask">0/1 [Cout × Cin·KH·KW] applied to the weight gradient.</param>
    /// <param name="bias">Bias [Cout], or null.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="denseGradient">Receives the full dL/dW [Cout × Cin·KH·KW].</param>
    /// <param name="maskGradient">Whether the gradient passed on is masked.</param>
    /// <param name="gradientTarget">
    /// The tensor whose gradient receives (masked) dL/dW; null means <paramref name="weight"/>. Top-KAST's conv runs the
    /// forward on θ restricted to its forward set and sends the gradient to θ on its backward set.
    /// </param>
    /// <exception cref="ArgumentException">x is not FeatureMajor [Cin, B, H, W], or the weight, mask or bias does not fit the shape.</exception>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor mask, Tensor? bias, ConvShape shape, Tensor denseGradient, bool maskGradient,
        Tensor? gradientTarget = null)
    {
        var target = gradientTarget ?? weight;
        shape.Validate();
        if (x.Rank != 4 || x.Dim(0) != shape.InChannels || x.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"MaskedConv2d {shape} expects a feature-major input [{shape.InChannels}, B, H, W], got {x} ({x.Layout}); reorder it first.", nameof(x));
        long wSize = (long)shape.OutChannels * shape.FanIn;
        if (weight.Size != wSize || mask.Size != wSize || denseGradient.Size != wSize || target.Size != wSize)
            throw new ArgumentException($"MaskedConv2d {shape} needs weight, mask and dense gradient of [{shape.OutChannels} × {shape.FanIn}].", nameof(weight));
        if (bias is not null && bias.Size != shape.OutChannels)
            throw new ArgumentException($"MaskedConv2d's bias must have {shape.OutChannels} elements, got {bias}.", nameof(bias));
        var g = SparseConv2dOp.Geometry(shape, x.Dim(1), x.Dim(2), x.Dim(3));
        g.Validate();
        Span<int> yShape = [g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth];
        var y = Tape.NewOutput(yShape);
        y.Layout = Layout.FeatureMajor;
        if (IsPointwise(shape)) Gemm.Multiply(weight.Data, x.Data, y.Data, g.OutChannels, g.Positions, g.FanIn);
        else ConvGemm.Forward(x.Data, weight.Data, y.Data, g.OutChannels, g.InChannels, g.Batch, g.Height, g.Width, shape.Window);
        if (bias is not null) FeatureBias.Forward(y.Data, bias.Data, g.OutChannels, g.Positions, relu: false);
        if (Tape.GradEnabled && (x.RequiresGrad || target.RequiresGrad || bias is { RequiresGrad: true }))
        {
            var node = Node.Record(Tape.Current!);
            (node.X, node.W, node.P, node.M, node.B, node.Y, node.DenseGrad, node.MaskGradient, node.G) = (x, weight, target, mask, bias, y, denseGradient, maskGradient, g);
            y.RequiresGrad = true;
        }
        return y;
    }

    private static bool IsPointwise(ConvShape s) => s is { KernelHeight: 1, KernelWidth: 1, Stride: 1, Padding: 0 };

    private sealed class Node : Node<Node>
    {
        public Tensor X = null!, W = null!, P = null!, M = null!, Y = null!, DenseGrad = null!;
        public Tensor? B;
        public bool MaskGradient;
        public SparseConvGeometry G;

        public override void Backward()
        {
            var g = G;
            var dy = Y.Grad;
            if (B is { RequiresGrad: true })
            {
                var db = B.Grad;
                for (int o = 0; o < g.OutChannels; o++) db[o] += TensorPrimitives.Sum(dy.Slice(o * g.Positions, g.Positions));
            }
            bool wantW = P.RequiresGrad;
            if (wantW) DenseGrad.Data.Clear();
            if (g.Window is { KernelHeight: 1, KernelWidth: 1, StrideHeight: 1, StrideWidth: 1, PadHeight: 0, PadWidth: 0 })
            {
                if (wantW) Gemm.Multiply(dy, X.Data, DenseGrad.Data, g.OutChannels, g.FanIn, g.Positions, transB: true);
                if (X.RequiresGrad) Gemm.Multiply(W.Data, dy, X.Grad, g.FanIn, g.Positions, g.OutChannels, transA: true, accumulate: true);
            }
            else if (wantW || X.RequiresGrad)
            {
                ConvGemm.Backward(X.Data, W.Data, dy, X.RequiresGrad ? X.Grad : default, wantW ? DenseGrad.Data : default,
                    g.OutChannels, g.InChannels, g.Batch, g.Height, g.Width, g.Window);
            }
            if (!wantW) return;
            if (MaskGradient) TensorPrimitives.MultiplyAdd(DenseGrad.Data, M.Data, P.Grad, P.Grad);
            else TensorPrimitives.Add(P.Grad, DenseGrad.Data, P.Grad);
        }

        protected override void Clear() => (X, W, P, M, Y, DenseGrad, B) = (null!, null!, null!, null!, null!, null!, null);
    }
}
