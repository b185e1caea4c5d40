// LrsiBatch: one training batch LRsI keeps (a copy: batch sources reuse their tensors on the next call).
using Sprout.Core;

namespace Sprout.Training.Recipes.Tost;

/// <summary>Inputs, labels and sample count of one batch.</summary>
/// <param name="Inputs">Input tensor as the model takes it.</param>
/// <param name="Labels">At least <paramref name="Count"/> labels.</param>
/// <param name="Count">Samples in the batch.</param>
public sealed record LrsiBatch(Tensor Inputs, int[] Labels, int Count)
{
    /// <summary>A copy of a batch a source handed out (its buffers are reused by the next call).</summary>
    public static LrsiBatch Copy(Tensor inputs, int[] labels, int count)
    {
        var x = new Tensor(inputs.Data.ToArray(), inputs.Shape.ToArray()) { Layout = inputs.Layout };
        return new LrsiBatch(x, labels.AsSpan(0, count).ToArray(), count);
    }
}
