// Accuracy: counting correct predictions from logits. Ties go to the lowest class index (like argmax).
using Sprout.Core;

namespace Sprout.Training;

/// <summary>Classification accuracy helpers.</summary>
public static class Accuracy
{
    /// <summary>Number of the first <paramref name="count"/> rows of logits [rows × classes] whose argmax equals the label.</summary>
    public static int CountCorrect(Tensor logits, ReadOnlySpan<int> labels, int count)
    {
        int classes = logits.Dim(logits.Rank - 1);
        ReadOnlySpan<float> data = logits.Data;
        int correct = 0;
        for (int r = 0; r < count; r++)
        {
            var row = data.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (row[c] > row[best]) best = c;
            if (best == labels[r]) correct++;
        }
        return correct;
    }
}
