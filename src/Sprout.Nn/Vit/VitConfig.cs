// VitConfig: a vision transformer described as data (image geometry, widths, depth, heads, pooling), with the
// counts that follow from it (tokens, parameters, multiply-adds), so tests and docs compute them without a model.
namespace Sprout.Nn;

/// <summary>Architecture of a <see cref="SimpleVit"/>.</summary>
/// <param name="Channels">Image channels C.</param>
/// <param name="Height">Image height H.</param>
/// <param name="Width">Image width W.</param>
/// <param name="Classes">Output logits.</param>
/// <param name="Patch">Patch side p (divides H and W).</param>
/// <param name="Dim">Token width D.</param>
/// <param name="Depth">Transformer blocks.</param>
/// <param name="Heads">Attention heads h.</param>
/// <param name="HeadDim">Width of one head d; the attention's inner width is h·d (need not equal D, as in simple_vit).</param>
/// <param name="MlpDim">Hidden width of each block's MLP.</param>
public sealed record VitConfig(int Channels, int Height, int Width, int Classes, int Patch, int Dim, int Depth, int Heads, int HeadDim, int MlpDim)
{
    /// <summary>Mean pooling (default) or a class token.</summary>
    public VitPool Pool { get; init; } = VitPool.Mean;

    /// <summary>Sin-cos (default) or learned positions.</summary>
    public VitPositions Positions { get; init; } = VitPositions.SinCos;

    /// <summary>
    /// When true the final LayerNorm runs after pooling (GSE's copy of simple_vit: mean, then LayerNorm → Linear head);
    /// when false (default, current simple_vit) it runs on every token before pooling. The parameters are the same.
    /// </summary>
    public bool NormAfterPool { get; init; }

    /// <summary>Patches per image, N = (H/p)·(W/p).</summary>
    public int Patches => Height / Patch * (Width / Patch);

    /// <summary>Tokens per image entering the blocks: N, plus one with a class token.</summary>
    public int Tokens => Patches + (Pool == VitPool.ClassToken ? 1 : 0);

    /// <summary>Features of one patch, p·p·C.</summary>
    public int PatchDim => Patch * Patch * Channels;

    /// <summary>Attention inner width h·d.</summary>
    public int InnerDim => Heads * HeadDim;

    /// <summary>Throws if the sizes are inconsistent.</summary>
    /// <exception cref="ArgumentException">A size is not positive, p does not divide the image, or D does not suit the sin-cos table.</exception>
    public void Validate()
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0 || Classes <= 0 || Patch <= 0 || Dim <= 0 || Depth < 0 || Heads <= 0 || HeadDim <= 0 || MlpDim <= 0)
            throw new ArgumentException($"ViT sizes must be positive (depth ≥ 0): {this}.");
        if (Height % Patch != 0 || Width % Patch != 0)
            throw new ArgumentException($"Patch size {Patch} does not divide the {Height}×{Width} image; choose a patch size that divides both sides.");
        if (Positions == VitPositions.SinCos && (Dim % 4 != 0 || Dim < 8))
            throw new ArgumentException($"The sin-cos positional table needs dim a multiple of 4 and at least 8, got {Dim}; use pos=learned or another dim.");
    }

    /// <summary>Trainable parameters, by formula (the sin-cos table is not one).</summary>
    public long ParameterCount()
    {
        long d = Dim, m = MlpDim, inner = InnerDim;
        long embed = 2L * PatchDim + (long)PatchDim * d + d + 2 * d;
        long extra = (Pool == VitPool.ClassToken ? d : 0) + (Positions == VitPositions.Learned ? (long)Tokens * d : 0);
        long block = 2 * d + d * 3 * inner + inner * d + 2 * d + d * m + m + m * d + d;
        return embed + extra + Depth * block + 2 * d + d * Classes + Classes;
    }

    /// <summary>
    /// Multiply-adds of one image's forward pass: the projections (Linear layers) and the two attention products, split so
    /// benchmarks can say where the time goes. A training step costs about three times as much.
    /// </summary>
    public (long Projections, long Attention) ForwardMacsPerImage()
    {
        long n = Patches, t = Tokens, d = Dim, inner = InnerDim, m = MlpDim;
        long projections = n * PatchDim * d + Depth * t * (d * 3 * inner + inner * d + 2 * d * m) + d * Classes;
        long attention = Depth * 2L * Heads * t * t * HeadDim;
        return (projections, attention);
    }
}
