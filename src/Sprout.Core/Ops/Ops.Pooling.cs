// Pooling on FeatureMajor activations [C, B, H, W]: max and average pooling run plane kernels over the C·B planes (the
// argmax indices live in a tape-pool slot, reinterpreted as ints), and global average pooling ends the conv stack
// with a BatchMajor [B, C] row per image, the layout a classifier head (Linear) expects.
using System.Runtime.InteropServices;
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y[C, B, OH, OW] = max over each window of x[C, B, H, W] (FeatureMajor in and out).</summary>
    /// <exception cref="ArgumentException">x is not a FeatureMajor [C, B, H, W] tensor or the window does not fit.</exception>
    public static Tensor MaxPool2d(Tensor x, Window2d window)
    {
        RequireFeatureMajor4(x, "MaxPool2d");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        window.Validate(h, w);
        Span<int> shape = [x.Dim(0), x.Dim(1), window.OutputHeight(h), window.OutputWidth(w)];
        var y = Tape.NewOutput(shape);
        y.Layout = Layout.FeatureMajor;
        var argmax = Tape.NewOutput(shape);   // int indices stored in float slots: same size, no separate pool
        Pooling.MaxPool2d(x.Data, y.Data, MemoryMarshal.Cast<float, int>(argmax.Data), planes, h, w, window);
        if (NeedsGrad(x))
        {
            var node = MaxPoolNode.Record(Tape.Current!);
            (node.X, node.Y, node.ArgMax, node.Window) = (x, y, argmax, window);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class MaxPoolNode : Node<MaxPoolNode>
    {
        public Tensor X = null!, Y = null!, ArgMax = null!;
        public Window2d Window;

        public override void Backward() =>
            Pooling.MaxPool2dBackward(Y.Grad, MemoryMarshal.Cast<float, int>(ArgMax.Data), X.Grad, X.Dim(0) * X.Dim(1), X.Dim(2), X.Dim(3), Window);

        protected override void Clear() => (X, Y, ArgMax) = (null!, null!, null!);
    }

    /// <summary>y[C, B, OH, OW] = mean over each window of x[C, B, H, W] (padding counts as zeros), FeatureMajor in and out.</summary>
    /// <exception cref="ArgumentException">x is not a FeatureMajor [C, B, H, W] tensor or the window does not fit.</exception>
    public static Tensor AvgPool2d(Tensor x, Window2d window)
    {
        RequireFeatureMajor4(x, "AvgPool2d");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        window.Validate(h, w);
        Span<int> shape = [x.Dim(0), x.Dim(1), window.OutputHeight(h), window.OutputWidth(w)];
        var y = Tape.NewOutput(shape);
        y.Layout = Layout.FeatureMajor;
        AveragePooling.Forward(x.Data, y.Data, planes, h, w, window);
        if (NeedsGrad(x))
        {
            var node = AvgPoolNode.Record(Tape.Current!);
            (node.X, node.Y, node.Window) = (x, y, window);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class AvgPoolNode : Node<AvgPoolNode>
    {
        public Tensor X = null!, Y = null!;
        public Window2d Window;

        public override void Backward() => AveragePooling.Backward(Y.Grad, X.Grad, X.Dim(0) * X.Dim(1), X.Dim(2), X.Dim(3), Window);

        protected override void Clear() => (X, Y) = (null!, null!);
    }

    /// <summary>y[B, C] = mean over H×W of x[C, B, H, W]: FeatureMajor in, BatchMajor out.</summary>
    /// <exception cref="ArgumentException">x is not a FeatureMajor [C, B, H, W] tensor.</exception>
    public static Tensor GlobalAvgPool2d(Tensor x)
    {
        RequireFeatureMajor4(x, "GlobalAvgPool2d");
        int c = x.Dim(0), b = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        Span<int> shape = [b, c];
        var y = Tape.NewOutput(shape);
        GlobalAveragePool.Forward(x.Data, y.Data, c, b, plane);
        if (NeedsGrad(x))
        {
            var node = GlobalPoolNode.Record(Tape.Current!);
            (node.X, node.Y) = (x, y);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class GlobalPoolNode : Node<GlobalPoolNode>
    {
        public Tensor X = null!, Y = null!;

        public override void Backward() => GlobalAveragePool.Backward(Y.Grad, X.Grad, X.Dim(0), X.Dim(1), X.Dim(2) * X.Dim(3));

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
