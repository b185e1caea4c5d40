// DataLoaderOptions: how a DataLoader batches a Dataset. Immutable; validated by the DataLoader.
namespace Sprout.Data;

/// <summary>Options for <see cref="DataLoader"/>.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Samples per batch (the last batch may be smaller unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Visit samples in a seeded random order each epoch; otherwise in dataset order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed for shuffling and augmentation; epoch e's order depends only on (Seed, e).</summary>
    public ulong Seed { get; init; }

    /// <summary>Skip the last batch of an epoch when it would be smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>Shape the input tensor [B, C·H·W] (for dense layers) instead of [B, C, H, W].</summary>
    public bool Flatten { get; init; }

    /// <summary>Training augmentation applied while filling batches, or null for none.</summary>
    public Augmentation? Augmentation { get; init; }
}
