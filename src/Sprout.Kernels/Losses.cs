// Fused softmax + cross-entropy over rows of logits, with optional label smoothing.
// Fast path per row: max, e^(z − max) into dLogits, its sum, then a scale (and shift) of dLogits;
// the loss uses Σ_c t_c = 1, so it needs only Σ_c z_c and z_label instead of a second pass with logs.
// Vector work is TensorPrimitives (its Exp is vectorized); sums of the loss are kept in double.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or a label is outside [0, classes).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Simd.Run: tiering may never reach this loop
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits,
        int rows, int classes, float smoothing = 0f)
    {
        if (rows < 0 || classes < 0) throw new ArgumentException($"Sizes must be non-negative (rows={rows}, classes={classes}).");
        int size = checked(rows * classes);
        Simd.RequireLength(size, logits.Length, nameof(logits));
        Simd.RequireLength(size, dLogits.Length, nameof(dLogits));
        Simd.RequireLength(rows, labels.Length, nameof(labels));
        if (rows == 0) return 0f;
        if (classes == 0) throw new ArgumentException("Cross-entropy needs at least one class.", nameof(classes));

        float off = classes > 1 ? smoothing / (classes - 1) : 0f, on = 1f - smoothing;
        double targetSum = on + (double)off * (classes - 1);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)classes) throw new ArgumentException($"Label {label} of row {r} is outside [0, {classes}).", nameof(labels));
            var z = logits.Slice(r * classes, classes);
            var d = dLogits.Slice(r * classes, classes);
            float max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, d);
            TensorPrimitives.Exp(d, d);
            float sum = TensorPrimitives.Sum(d);
            double logSum = Math.Log(sum) + max;
            // −Σ t_c (z_c − logSum) = logSum·Σt − off·Σz − (on − off)·z_label
            double zSum = off != 0 ? TensorPrimitives.Sum(z) : 0; // Σz only matters with label smoothing
            total += logSum * targetSum - off * zSum - (on - off) * (double)z[label];
            // d = e/(sum·rows) − off/rows, then the label gets −(on − off)/rows more.
            TensorPrimitives.Multiply(d, 1f / (sum * rows), d);
            if (off != 0) TensorPrimitives.Add(d, -off / rows, d);
            d[label] -= (on - off) / rows;
        }
        return (float)(total / rows);
    }

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
