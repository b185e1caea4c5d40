// Functional forms of losses, for a training loop that owns its own code.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Loss functions.</summary>
public static class Functional
{
    /// <summary>Mean softmax cross-entropy over the first <paramref name="count"/> rows, with optional label smoothing.</summary>
    public static Tensor CrossEntropy(Tensor logits, int[] labels, int count, float labelSmoothing = 0f) =>
        Ops.SoftmaxCrossEntropy(logits, labels.AsSpan(0, count), count, labelSmoothing);

    /// <summary>Mean of all elements.</summary>
    public static Tensor Mean(Tensor x) => Ops.Mean(x);
}
