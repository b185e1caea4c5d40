// VitPositions: where a ViT's positional information comes from (a VitConfig option).
namespace Sprout.Nn;

/// <summary>Where the positional information comes from.</summary>
public enum VitPositions
{
    /// <summary>The fixed 2-D sin-cos table (simple_vit), not trained.</summary>
    SinCos,

    /// <summary>A learned table [tokens, dim], initialised N(0, 0.02²).</summary>
    Learned,
}
