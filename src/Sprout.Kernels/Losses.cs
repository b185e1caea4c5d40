// Fused softmax + cross-entropy over rows of logits, with optional label smoothing.
namespace Sprout.Kernels;

/// <summary>Loss kernels.</summary>
public static partial class Losses
{
    /// <summary>
    /// Mean over rows of −Σ_c t_c·log softmax(z)_c, where t is one-hot(label) smoothed as
    /// t = (1 − ε) on the label and ε/(C − 1) elsewhere. Writes dLogits = (softmax(z) − t) / rows
    /// (overwrites, does not accumulate). logits and dLogits are [rows × classes]; labels has rows entries.
    /// </summary>
    /// <returns>The mean loss (accumulated in double).</returns>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits,
        int rows, int classes, float smoothing = 0f) => Scalar.SoftmaxCrossEntropy(logits, labels, dLogits, rows, classes, smoothing);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits,
            int rows, int classes, float smoothing = 0f)
        {
            double total = 0;
            float off = classes > 1 ? smoothing / (classes - 1) : 0f, on = 1f - smoothing;
            for (int r = 0; r < rows; r++)
            {
                var z = logits.Slice(r * classes, classes);
                var d = dLogits.Slice(r * classes, classes);
                float max = float.NegativeInfinity;
                for (int c = 0; c < classes; c++) max = MathF.Max(max, z[c]);
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
                double logSum = Math.Log(sum) + max;
                for (int c = 0; c < classes; c++)
                {
                    float t = c == labels[r] ? on : off;
                    total -= t * (z[c] - logSum);
                    d[c] = ((float)Math.Exp(z[c] - logSum) - t) / rows;
                }
            }
            return rows == 0 ? 0f : (float)(total / rows);
        }
    }
}
