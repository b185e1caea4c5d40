// Inverted dropout: kept units are scaled by 1/(1 − p) in training so evaluation needs no rescaling.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>Zeroes each element with probability p and scales the rest by 1/(1 − p). Identity when p = 0.</summary>
    public static Tensor Dropout(Tensor x, float p, Rng rng)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        if (p == 0f) return x;
        var mask = Tape.NewOutput(x.Shape);
        var m = mask.Data;
        float keep = 1f / (1f - p);
        for (int i = 0; i < m.Length; i++) m[i] = rng.NextFloat() < p ? 0f : keep;
        var y = Tape.NewOutput(x.Shape);
        y.Layout = x.Layout;
        Elementwise.Multiply(x.Data, m, y.Data);
        if (NeedsGrad(x))
        {
            var node = DropoutNode.Record(Tape.Current!);
            (node.X, node.Mask, node.Y) = (x, mask, y);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class DropoutNode : Node<DropoutNode>
    {
        public Tensor X = null!, Mask = null!, Y = null!;

        public override void Backward() => Elementwise.MultiplyAccumulate(Y.Grad, Mask.Data, X.Grad);

        protected override void Clear() => (X, Mask, Y) = (null!, null!, null!);
    }
}
