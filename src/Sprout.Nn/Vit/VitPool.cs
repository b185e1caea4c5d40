// VitPool: how a ViT reduces its tokens to one vector per image (a VitConfig option).
namespace Sprout.Nn;

/// <summary>How a ViT turns its tokens into one vector per image.</summary>
public enum VitPool
{
    /// <summary>Mean over the patch tokens (simple_vit).</summary>
    Mean,

    /// <summary>A learned class token is prepended and the head reads it (the original ViT).</summary>
    ClassToken,
}
