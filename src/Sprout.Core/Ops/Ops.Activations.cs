// Elementwise activations. ReLU, tanh and sigmoid differentiate through their output; swish through its input.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>Which elementwise activation a node applies.</summary>
    public enum Activation { Relu, Tanh, Sigmoid, Swish }

    /// <summary>y = max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => Activate(x, Activation.Relu, 1f);

    /// <summary>y = tanh(x).</summary>
    public static Tensor Tanh(Tensor x) => Activate(x, Activation.Tanh, 1f);

    /// <summary>y = σ(x).</summary>
    public static Tensor Sigmoid(Tensor x) => Activate(x, Activation.Sigmoid, 1f);

    /// <summary>y = x·σ(βx): SiLU at β = 1; tends to ReLU as β grows (ToST's annealed "ghost" activation).</summary>
    public static Tensor Swish(Tensor x, float beta = 1f) => Activate(x, Activation.Swish, beta);

    private static Tensor Activate(Tensor x, Activation kind, float beta)
    {
        var y = Tape.NewOutput(x.Shape);
        y.Layout = x.Layout;
        switch (kind)
        {
            case Activation.Relu: Activations.Relu(x.Data, y.Data); break;
            case Activation.Tanh: Activations.Tanh(x.Data, y.Data); break;
            case Activation.Sigmoid: Activations.Sigmoid(x.Data, y.Data); break;
            default: Activations.Swish(x.Data, y.Data, beta); break;
        }
        if (NeedsGrad(x))
        {
            var node = ActivationNode.Record(Tape.Current!);
            (node.X, node.Y, node.Kind, node.Beta) = (x, y, kind, beta);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class ActivationNode : Node<ActivationNode>
    {
        public Tensor X = null!, Y = null!;
        public Activation Kind;
        public float Beta;

        public override void Backward()
        {
            switch (Kind)
            {
                case Activation.Relu: Activations.ReluBackward(Y.Data, Y.Grad, X.Grad); break;
                case Activation.Tanh: Activations.TanhBackward(Y.Data, Y.Grad, X.Grad); break;
                case Activation.Sigmoid: Activations.SigmoidBackward(Y.Data, Y.Grad, X.Grad); break;
                default: Activations.SwishBackward(X.Data, Y.Grad, X.Grad, Beta); break;
            }
        }

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
