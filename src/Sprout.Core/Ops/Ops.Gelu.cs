// GELU, the exact erf form x·Φ(x) (PyTorch nn.GELU()'s default, used by simple_vit); it differentiates through its input.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y = x·Φ(x) with Φ the standard normal CDF (exact GELU, not the tanh approximation).</summary>
    public static Tensor Gelu(Tensor x)
    {
        var y = Tape.NewOutput(x.Shape);
        Activations.Gelu(x.Data, y.Data);
        y.Layout = x.Layout;
        if (NeedsGrad(x))
        {
            var node = GeluNode.Record(Tape.Current!);
            (node.X, node.Y) = (x, y);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class GeluNode : Node<GeluNode>
    {
        public Tensor X = null!, Y = null!;

        public override void Backward()
        {
            // Overwrite a gradient nothing has written yet (the usual case), which saves clearing it and reading zeros back.
            var dx = X.GradForWrite(out bool fresh);
            Activations.GeluBackward(X.Data, Y.Grad, dx, accumulate: !fresh);
        }

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
