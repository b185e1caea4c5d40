// Batch normalization over the channels of a FeatureMajor activation [C, B, H, W] (or [C, B]): each channel is one
// contiguous run of B·H·W values. Training normalizes with the batch statistics and folds them into the running
// statistics (PyTorch's rule: biased variance to normalize, unbiased variance into the running estimate); evaluation
// normalizes with the running statistics, and its backward treats them as constants.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    // The boundary checks shared by BatchNorm and its fused ReLU forms: returns channels and values per channel.
    private static (int Channels, int Count) CheckBatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar, bool training)
    {
        if (x.Rank < 2 || x.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"BatchNorm expects a FeatureMajor [C, B, …] activation, got {x.Layout} {x}.", nameof(x));
        int c = x.Dim(0), count = x.Size / Math.Max(c, 1);
        RequireChannels(gamma, c);
        RequireChannels(beta, c);
        RequireChannels(runningMean, c);
        RequireChannels(runningVar, c);
        if (training && count < 2) throw new ArgumentException($"BatchNorm in training needs more than one value per channel, got {x}.", nameof(x));
        return (c, count);
    }

    /// <summary>
    /// y = γ·(x − μ)/√(σ² + ε) + β per channel of a FeatureMajor x. With <paramref name="training"/>, μ and σ² are the
    /// batch's and the running statistics move toward them by <paramref name="momentum"/>; otherwise the running ones are used.
    /// </summary>
    /// <param name="x">FeatureMajor activation [C, B, …].</param>
    /// <param name="gamma">Scale [C], or null for none.</param>
    /// <param name="beta">Shift [C], or null for none.</param>
    /// <param name="runningMean">Running mean [C] (updated in training).</param>
    /// <param name="runningVar">Running variance [C] (updated in training).</param>
    /// <param name="training">Use (and record) batch statistics.</param>
    /// <param name="momentum">Weight of the new batch in the running statistics (PyTorch's default 0.1).</param>
    /// <param name="eps">Added to the variance.</param>
    /// <exception cref="ArgumentException">x is not FeatureMajor, or a parameter or statistic has the wrong size.</exception>
    public static Tensor BatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        var (c, count) = CheckBatchNorm(x, gamma, beta, runningMean, runningVar, training);
        var y = Tape.NewOutput(x.Shape);
        y.Layout = Layout.FeatureMajor;
        var g = gamma is null ? default : gamma.Data;
        var bt = beta is null ? default : beta.Data;
        Tensor mean = runningMean, variance = runningVar;
        if (training)
        {
            Span<int> statShape = [c];
            (mean, variance) = (Tape.NewOutput(statShape), Tape.NewOutput(statShape));
            Kernels.BatchNorm.ForwardTraining(x.Data, y.Data, g, bt, mean.Data, variance.Data, c, count, eps);
            UpdateRunning(runningMean.Data, runningVar.Data, mean.Data, variance.Data, momentum, count);
        }
        else Kernels.BatchNorm.ForwardInference(x.Data, y.Data, g, bt, runningMean.Data, runningVar.Data, c, count, eps);
        if (NeedsGrad(x, gamma, beta))
        {
            var node = BatchNormNode.Record(Tape.Current!);
            (node.X, node.Y, node.Gamma, node.Beta, node.Mean, node.Variance) = (x, y, gamma, beta, mean, variance);
            (node.Training, node.Eps) = (training, eps);
            y.RequiresGrad = true;
        }
        return y;
    }

    private static void RequireChannels(Tensor? t, int channels)
    {
        if (t is not null && t.Size != channels)
            throw new ArgumentException($"BatchNorm over {channels} channels got a statistic or parameter {t}; each needs {channels} elements.");
    }

    private static void UpdateRunning(Span<float> runningMean, Span<float> runningVar, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> variance, float momentum, int count)
    {
        float unbias = count / (count - 1f);
        for (int i = 0; i < mean.Length; i++)
        {
            runningMean[i] += momentum * (mean[i] - runningMean[i]);
            runningVar[i] += momentum * (variance[i] * unbias - runningVar[i]);
        }
    }

    private sealed class BatchNormNode : Node<BatchNormNode>
    {
        public Tensor X = null!, Y = null!, Mean = null!, Variance = null!;
        public Tensor? Gamma, Beta;
        public bool Training;
        public float Eps;

        public override void Backward()
        {
            int c = X.Dim(0), count = X.Size / c;
            Kernels.BatchNorm.Backward(X.Data, Y.Grad, Gamma is null ? default : Gamma.Data, Mean.Data, Variance.Data,
                X.RequiresGrad ? X.Grad : default, Gamma is { RequiresGrad: true } ? Gamma.Grad : default,
                Beta is { RequiresGrad: true } ? Beta.Grad : default, c, count, Eps, Training);
        }

        protected override void Clear() => (X, Y, Mean, Variance, Gamma, Beta) = (null!, null!, null!, null!, null, null);
    }
}
