// Fused softmax + cross-entropy. The forward kernel already produces dLoss/dLogits, so backward is a scaled add.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// Mean cross-entropy of softmax(logits[rows×classes]) against integer labels (first <paramref name="rows"/>
    /// entries of <paramref name="labels"/>), with label smoothing ε (true class 1 − ε, others ε/(C − 1)). Returns shape [1].
    /// </summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, int rows, float labelSmoothing = 0f)
    {
        if (logits.Rank != 2 || logits.Dim(0) != rows)
            throw new ArgumentException($"Cross-entropy expects logits [rows × classes] with rows = {rows}; got {logits}.");
        if (labels.Length < rows) throw new ArgumentException($"{labels.Length} labels for {rows} rows.");
        if (labelSmoothing is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Must be in [0, 1).");
        int classes = logits.Dim(1); // labels are range-checked by the kernel
        var loss = Tape.NewOutput(ScalarShape);
        var dLogits = Tape.NewOutput(logits.Shape); // saved gradient; rented so it is reused every step
        loss[0] = Losses.SoftmaxCrossEntropy(logits.Data, labels[..rows], dLogits.Data, rows, classes, labelSmoothing);
        if (NeedsGrad(logits))
        {
            var node = CrossEntropyNode.Record(Tape.Current!);
            (node.Logits, node.Saved, node.Loss) = (logits, dLogits, loss);
            loss.RequiresGrad = true;
        }
        return loss;
    }

    private sealed class CrossEntropyNode : Node<CrossEntropyNode>
    {
        public Tensor Logits = null!, Saved = null!, Loss = null!;

        public override void Backward() => Elementwise.Axpy(Loss.Grad[0], Saved.Data, Logits.Grad);

        protected override void Clear() => (Logits, Saved, Loss) = (null!, null!, null!);
    }
}
