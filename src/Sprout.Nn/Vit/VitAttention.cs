// Pre-norm multi-head self-attention of one ViT block: LayerNorm → fused qkv projection (no bias) → softmax(q·kᵀ/√d)·v
// per head → output projection (no bias), as simple_vit. Both projections come from the layer factory by path, so
// they can be always-sparse; the attention products themselves are dense batched GEMMs over B·heads, and are counted
// as dense multiply-adds (ICountsMultiplyAdds, per token row). When both projections are CSR layers, qkv is emitted
// feature-major and the fused attention reads and writes that layout (the CSR kernels' own), which saves the four
// largest transposes of a sparse block (qkv's output and its gradient, the output projection's input and its gradient).
// A CSR qkv also gets its input feature-major from the LayerNorm, so it keeps no transposed copy of it.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>The attention half of a ViT block (without its residual add). Input and output are token rows [B·N, D].</summary>
public sealed class VitAttention : Module, ICountsMultiplyAdds
{
    private readonly Module _qkv, _out;
    private readonly LayerNorm _norm;

    /// <summary>Builds the sublayer; its projections are "<paramref name="path"/>.qkv" and "<paramref name="path"/>.out".</summary>
    public VitAttention(string path, VitConfig config, ILayerFactory factory)
    {
        Tokens = config.Tokens;
        Heads = config.Heads;
        HeadDim = config.HeadDim;
        _norm = RegisterModule("norm", new LayerNorm(config.Dim));
        _qkv = RegisterModule("qkv", factory.Linear($"{path}.qkv", config.Dim, 3 * config.InnerDim, bias: false));
        _out = RegisterModule("out", factory.Linear($"{path}.out", config.InnerDim, config.Dim, bias: false));
        if (_qkv is SparseLinear qkv && _out is SparseLinear) qkv.Options = qkv.Options with { Output = Layout.FeatureMajor };
        if (_qkv is SparseLinear) _norm.OutputLayout = Layout.FeatureMajor;
    }

    /// <summary>Tokens per sample N.</summary>
    public int Tokens { get; }

    /// <summary>Attention heads.</summary>
    public int Heads { get; }

    /// <summary>Width of one head d.</summary>
    public int HeadDim { get; }

    /// <inheritdoc/>
    /// <remarks>
    /// Per token row (the model counts N rows per image): q·kᵀ and P·v cost 2·h·N·d forward, and each has two products in
    /// backward (dq, dk; dP, dv), so 3·2·h·N·d. Always dense, whatever the projections are.
    /// </remarks>
    public long DenseMacsPerSample => 6L * Heads * Tokens * HeadDim;

    /// <inheritdoc/>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => _out.Forward(Ops.SelfAttention(_qkv.Forward(_norm.Forward(input)), Tokens, Heads));
}
