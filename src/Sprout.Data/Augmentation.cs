// Augmentation: the standard CIFAR training augmentation, applied by DataLoader while it fills a batch:
// zero-pad by Padding pixels, take a random crop of the original size, then flip left-right with
// probability 1/2. "Zero" means black in pixel space: on a normalized dataset the padding value is
// (0 − mean[c]) / std[c], as when torchvision pads before normalizing. Nothing else (no color jitter, no cutout).
namespace Sprout.Data;

/// <summary>Random crop with zero padding and random horizontal flip, seeded per epoch by the <see cref="DataLoader"/>.</summary>
/// <param name="Padding">Pixels of padding on each side; the crop offset is uniform in [−Padding, Padding] on each axis. 0 disables cropping.</param>
/// <param name="HorizontalFlip">Flip left-right with probability 1/2.</param>
public sealed record Augmentation(int Padding = 4, bool HorizontalFlip = true)
{
    /// <summary>The usual CIFAR setting: 4-pixel padding and horizontal flips.</summary>
    public static Augmentation Cifar { get; } = new(4, true);
}
