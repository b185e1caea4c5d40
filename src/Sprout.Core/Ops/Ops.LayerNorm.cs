// Layer normalization over the last axis with learned scale γ and shift β (PyTorch nn.LayerNorm semantics).
// The per-row mean and 1/σ are rented from the tape, so the step allocates nothing once warm.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y = (x − mean)/√(var + ε)·γ + β over the last axis (biased variance); γ and β have the last axis' size.</summary>
    /// <exception cref="ArgumentException">γ or β does not match the last dimension, or ε is not positive.</exception>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float epsilon = 1e-5f)
    {
        int cols = x.Dim(-1), rows = cols == 0 ? 0 : x.Size / cols;
        if (gamma.Size != cols || beta.Size != cols)
            throw new ArgumentException($"LayerNorm over {cols} features needs γ and β of {cols} elements; got {gamma} and {beta}.");
        var y = Tape.NewOutput(x.Shape);
        Span<int> statsShape = [rows];
        var mean = Tape.NewOutput(statsShape);
        var rstd = Tape.NewOutput(statsShape);
        Kernels.LayerNorm.Forward(x.Data, gamma.Data, beta.Data, y.Data, mean.Data, rstd.Data, rows, cols, epsilon);
        y.Layout = x.Layout;
        if (NeedsGrad(x, gamma, beta))
        {
            var node = LayerNormNode.Record(Tape.Current!);
            (node.X, node.Gamma, node.Beta, node.Y, node.Mean, node.Rstd) = (x, gamma, beta, y, mean, rstd);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class LayerNormNode : Node<LayerNormNode>
    {
        public Tensor X = null!, Gamma = null!, Beta = null!, Y = null!, Mean = null!, Rstd = null!;

        public override void Backward()
        {
            int cols = X.Dim(-1), rows = Mean.Size;
            // One sweep computes every gradient; an input that needs none gets an empty span, which the kernel skips.
            bool parameters = Gamma.RequiresGrad || Beta.RequiresGrad;
            Kernels.LayerNorm.Backward(Y.Grad, X.Data, Gamma.Data, Mean.Data, Rstd.Data, X.RequiresGrad ? X.Grad : default,
                parameters ? Gamma.Grad : default, parameters ? Beta.Grad : default, rows, cols);
        }

        protected override void Clear() => (X, Gamma, Beta, Y, Mean, Rstd) = (null!, null!, null!, null!, null!, null!);
    }
}
