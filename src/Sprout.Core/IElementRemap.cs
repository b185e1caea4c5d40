// IElementRemap: how per-element state follows a parameter whose elements were re-laid out. A sparse layer's
// topology change re-orders and replaces its value array; optimizers apply the same change to their state
// through this interface, so neither side needs to know the other.
namespace Sprout.Core;

/// <summary>Re-lays out a per-element state array to match a parameter's new element order.</summary>
public interface IElementRemap
{
    /// <summary>
    /// Rewrites <paramref name="state"/> in place: kept elements move to their new index, new elements get 0. The span
    /// has max(old, <see cref="NewLength"/>) elements, the old state first; the new state is its first NewLength.
    /// </summary>
    void Remap(Span<float> state);

    /// <summary>Element count after the remap, given the count before (unchanged unless a sparse layer moved budget).</summary>
    int NewLength(int oldLength) => oldLength;
}
