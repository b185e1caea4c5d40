// BatchNorm → ReLU and BatchNorm → + residual → ReLU as single operators (Kernels.BatchNormRelu): the same values as
// Relu(BatchNorm(x)) and Relu(Add(BatchNorm(x), r)) without the intermediate tensors or their gradient passes. The
// ReLU's mask comes from the kept output (y > 0), as in the unfused ReLU's backward. Statistics, running-statistic
// updates and evaluation mode are BatchNorm's (Ops.BatchNorm.cs).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// y = max(γ·(x − μ)/√(σ² + ε) + β, 0) per channel of a FeatureMajor x: <see cref="BatchNorm"/> then <see cref="Relu"/>,
    /// in one pass each way.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="BatchNorm"/>.</exception>
    public static Tensor BatchNormRelu(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f) =>
        BatchNormResidualRelu(x, null, gamma, beta, runningMean, runningVar, training, momentum, eps);

    /// <summary>
    /// y = max(γ·(x − μ)/√(σ² + ε) + β + residual, 0): <see cref="BatchNorm"/>, <see cref="Add"/> of the residual (a
    /// ResNet block's shortcut), then <see cref="Relu"/>, in one pass each way.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="BatchNorm"/>, or the residual's shape or layout differs from x's.</exception>
    public static Tensor BatchNormAddRelu(Tensor x, Tensor residual, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(residual);
        if (!residual.HasShape(x.Shape) || residual.Layout != x.Layout)
            throw new ArgumentException($"BatchNormAddRelu needs a residual shaped as x ({x.Layout} {x}), got {residual.Layout} {residual}.", nameof(residual));
        return BatchNormResidualRelu(x, residual, gamma, beta, runningMean, runningVar, training, momentum, eps);
    }

    private static Tensor BatchNormResidualRelu(Tensor x, Tensor? residual, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar,
        bool training, float momentum, float eps)
    {
        var (c, count) = CheckBatchNorm(x, gamma, beta, runningMean, runningVar, training);
        var y = Tape.NewOutput(x.Shape);
        y.Layout = Layout.FeatureMajor;
        var g = gamma is null ? default : gamma.Data;
        var bt = beta is null ? default : beta.Data;
        var r = residual is null ? default : residual.Data;
        Tensor mean = runningMean, variance = runningVar;
        if (training)
        {
            Span<int> statShape = [c];
            (mean, variance) = (Tape.NewOutput(statShape), Tape.NewOutput(statShape));
            Kernels.BatchNormRelu.ForwardTraining(x.Data, r, y.Data, g, bt, mean.Data, variance.Data, c, count, eps);
            UpdateRunning(runningMean.Data, runningVar.Data, mean.Data, variance.Data, momentum, count);
        }
        else Kernels.BatchNormRelu.ForwardInference(x.Data, r, y.Data, g, bt, runningMean.Data, runningVar.Data, c, count, eps);
        if (NeedsGrad(x, gamma, beta) || (residual is not null && NeedsGrad(residual)))
        {
            var node = BatchNormReluNode.Record(Tape.Current!);
            (node.X, node.Residual, node.Y, node.Gamma, node.Beta, node.Mean, node.Variance) = (x, residual, y, gamma, beta, mean, variance);
            (node.Training, node.Eps) = (training, eps);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class BatchNormReluNode : Node<BatchNormReluNode>
    {
        public Tensor X = null!, Y = null!, Mean = null!, Variance = null!;
        public Tensor? Residual, Gamma, Beta;
        public bool Training;
        public float Eps;

        public override void Backward()
        {
            int c = X.Dim(0), count = X.Size / c;
            bool needR = Residual is { RequiresGrad: true };
            // Gradients nothing has written yet are overwritten (no clearing pass); the same tensor as x and residual adds twice.
            bool overwriteDx = false, overwriteR = false;
            Span<float> dx = default, dr = default;
            if (X.RequiresGrad) dx = needR && ReferenceEquals(X, Residual) ? X.Grad : X.GradForWrite(out overwriteDx);
            if (needR) dr = ReferenceEquals(X, Residual) ? dx : Residual!.GradForWrite(out overwriteR);
            if (needR && ReferenceEquals(X, Residual))
            {
                // One buffer for both: the residual's part first, then BatchNorm's, both added.
                Kernels.BatchNormRelu.Backward(X.Data, Y.Data, Y.Grad, GammaData, Mean.Data, Variance.Data, default, dr,
                    default, default, c, count, Eps, Training);
                dr = default;
            }
            Kernels.BatchNormRelu.Backward(X.Data, Y.Data, Y.Grad, GammaData, Mean.Data, Variance.Data, dx, dr,
                Gamma is { RequiresGrad: true } ? Gamma.Grad : default, Beta is { RequiresGrad: true } ? Beta.Grad : default,
                c, count, Eps, Training, overwriteDx, overwriteR);
        }

        private ReadOnlySpan<float> GammaData => Gamma is null ? default : Gamma.Data;

        protected override void Clear() => (X, Y, Mean, Variance, Residual, Gamma, Beta) = (null!, null!, null!, null!, null, null, null);
    }
}
