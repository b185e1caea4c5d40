// TopKastReservoir: where Top-KAST keeps θ outside the backward set B, and how it picks the next B. Two forms
// (ALGORITHMS.md §4a): Dense, the paper's full θ [out × in]; Compact, Sprout's option that stores only the entries
// that ever left B and regenerates never-touched initial values from a counter-based hash. Both use the same
// initial values and the same order (|θ| descending, ties to the lower row-major position), so they choose the
// same sets and train identically; they differ only in memory and refresh cost.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>How Top-KAST stores the parameters outside its backward set.</summary>
public enum TopKastReservoirKind
{
    /// <summary>The full θ [out × in], as published.</summary>
    Dense,

    /// <summary>Only entries that have left B, plus a counter-based initial value for never-touched ones (ALGORITHMS.md §4a).</summary>
    Compact,
}

/// <summary>θ outside the backward set, and the selection of the next backward set.</summary>
internal abstract class TopKastReservoir : ICheckpointable
{
    protected TopKastReservoir(long positions, ulong seed, float bound) => (Positions, Seed, Bound) = (positions, seed, bound);

    /// <summary>out × in.</summary>
    public long Positions { get; }

    /// <summary>Seed of the initial values.</summary>
    public ulong Seed { get; private set; }

    /// <summary>Initial values are uniform in ±Bound.</summary>
    public float Bound { get; }

    /// <summary>Creates a reservoir of the given kind.</summary>
    public static TopKastReservoir Create(TopKastReservoirKind kind, long positions, int backwardCount, ulong seed, float bound) => kind switch
    {
        TopKastReservoirKind.Compact => new CompactTopKastReservoir(positions, backwardCount, seed, bound),
        _ => new DenseTopKastReservoir(positions, backwardCount, seed, bound),
    };

    /// <summary>
    /// θ₀ at <paramref name="position"/>: uniform in ±Bound from a SplitMix64 hash of (seed, position), so any entry's
    /// initial value can be regenerated without storing it.
    /// </summary>
    public float InitialValue(long position)
    {
        ulong z = Seed + (ulong)(position + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        float u = (z >> 40) * (1f / (1 << 24));
        return -Bound + 2f * Bound * u;
    }

    /// <summary>θ at a position outside B.</summary>
    public abstract float ValueOutside(long position);

    /// <summary>
    /// Picks the next B: the newB.Length positions with the largest |θ| over the whole layer, where θ on the current B
    /// (<paramref name="oldB"/> ascending, with <paramref name="oldValues"/>) is the optimizer's copy. Writes the new
    /// positions ascending with their values, and files the leavers back into the reservoir.
    /// </summary>
    public abstract void Select(ReadOnlySpan<long> oldB, ReadOnlySpan<float> oldValues, Span<long> newB, Span<float> newValues);

    /// <inheritdoc/>
    public virtual void SaveState(StateDict state) => state.AddScalar("seed", (long)Seed);

    /// <inheritdoc/>
    public virtual void LoadState(StateDict state) => Seed = (ulong)state.Scalar("seed");
}
