// BatchShare: which part of the current global batch this rank holds. The sharded source writes it, and the
// gradient reduction and the topology scores read it to weight this rank's contribution by its share of the
// samples, so an uneven last batch still gives the gradient of the global batch's mean loss.
namespace Sprout.Training.Distributed;

/// <summary>This rank's slice [Offset, Offset + Local) of a global batch of Global samples.</summary>
public sealed class BatchShare
{
    /// <summary>First sample of this rank's slice within the global batch.</summary>
    public int Offset { get; private set; }

    /// <summary>Samples on this rank.</summary>
    public int Local { get; private set; }

    /// <summary>Samples on all ranks together (0 before the first batch).</summary>
    public int Global { get; private set; }

    /// <summary>Local / Global: the factor that turns this rank's mean-loss gradient into its part of the global mean's.</summary>
    public float Weight => Global == 0 ? 0f : (float)Local / Global;

    /// <summary>Records the slice of the batch just produced.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The slice does not lie inside the global batch.</exception>
    public void Set(int offset, int local, int global)
    {
        if (offset < 0 || local < 0 || offset + local > global)
            throw new ArgumentOutOfRangeException(nameof(local), $"Slice [{offset}, {offset + local}) does not lie in a batch of {global}.");
        Offset = offset;
        Local = local;
        Global = global;
    }
}
