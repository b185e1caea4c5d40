// Layer normalization over the last axis with learned scale γ and shift β (PyTorch nn.LayerNorm semantics).
// The per-row mean and 1/σ are rented from the tape, so the step allocates nothing once warm. The output may be written
// feature-major ([features × rows]) for always-sparse layers after it.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y = (x − mean)/√(var + ε)·γ + β over the last axis (biased variance); γ and β have the last axis' size.</summary>
    /// <exception cref="ArgumentException">γ or β does not match the last dimension, or ε is not positive.</exception>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float epsilon = 1e-5f) =>
        LayerNorm(x, gamma, beta, epsilon, Layout.BatchMajor);

    /// <summary>
    /// LayerNorm of batch-major rows x [rows × features] written in the layout <paramref name="output"/>: feature-major is
    /// the transpose [features × rows], what always-sparse layers compute in, so the layer after it needs no copy of its
    /// input. The rows are normalized into a scratch that the tape takes back at once; backward transposes the gradient
    /// into another. Same values as the batch-major op, transposed.
    /// </summary>
    /// <exception cref="ArgumentException">γ or β does not match the last dimension, or x is feature-major.</exception>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float epsilon, Layout output)
    {
        int cols = x.Dim(-1), rows = cols == 0 ? 0 : x.Size / cols;
        if (gamma.Size != cols || beta.Size != cols)
            throw new ArgumentException($"LayerNorm over {cols} features needs γ and β of {cols} elements; got {gamma} and {beta}.");
        bool featureMajor = output == Layout.FeatureMajor;
        if (featureMajor && x.Layout == Layout.FeatureMajor)
            throw new ArgumentException($"A feature-major LayerNorm output needs batch-major rows; got feature-major {x}.", nameof(x));
        var normalized = Tape.NewOutput(x.Shape);
        Span<int> statsShape = [rows];
        var mean = Tape.NewOutput(statsShape);
        var rstd = Tape.NewOutput(statsShape);
        Kernels.LayerNorm.Forward(x.Data, gamma.Data, beta.Data, normalized.Data, mean.Data, rstd.Data, rows, cols, epsilon);
        var y = normalized;
        y.Layout = x.Layout;
        if (featureMajor)
        {
            Span<int> transposed = [cols, rows];
            y = Tape.NewOutput(transposed);
            Transpose.Matrix(normalized.Data, y.Data, rows, cols);
            y.Layout = Layout.FeatureMajor;
            Tape.Current?.Return(normalized);
        }
        if (NeedsGrad(x, gamma, beta))
        {
            var node = LayerNormNode.Record(Tape.Current!);
            (node.X, node.Gamma, node.Beta, node.Y, node.Mean, node.Rstd, node.Tape) = (x, gamma, beta, y, mean, rstd, Tape.Current!);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class LayerNormNode : Node<LayerNormNode>
    {
        public Tensor X = null!, Gamma = null!, Beta = null!, Y = null!, Mean = null!, Rstd = null!;
        public Tape Tape = null!;

        public override void Backward()
        {
            int cols = X.Dim(-1), rows = Mean.Size;
            // A feature-major output's gradient goes back to rows in a scratch, handed back after the kernel has read it.
            Tensor? rowsGradient = null;
            if (Y.Layout == Layout.FeatureMajor)
            {
                Span<int> shape = [rows, cols];
                rowsGradient = Tape.Rent(shape);
                Transpose.Matrix(Y.Grad, rowsGradient.Data, cols, rows);
            }
            // One sweep computes every gradient; an input that needs none gets an empty span, which the kernel skips.
            bool parameters = Gamma.RequiresGrad || Beta.RequiresGrad;
            Kernels.LayerNorm.Backward(rowsGradient is null ? Y.Grad : rowsGradient.Data, X.Data, Gamma.Data, Mean.Data, Rstd.Data,
                X.RequiresGrad ? X.Grad : default, parameters ? Gamma.Grad : default, parameters ? Beta.Grad : default, rows, cols);
            if (rowsGradient is not null) Tape.Return(rowsGradient);
        }

        protected override void Clear() => (X, Gamma, Beta, Y, Mean, Rstd, Tape) = (null!, null!, null!, null!, null!, null!, null!);
    }
}
