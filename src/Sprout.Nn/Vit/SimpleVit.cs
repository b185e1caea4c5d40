// SimpleVit: a vision transformer in the shape of lucidrains' simple_vit (Beyer et al. 2022, "Better plain ViT
// baselines for ImageNet-1k"): patchify → LayerNorm → Linear → LayerNorm, + fixed 2-D sin-cos positions, pre-norm
// blocks, final LayerNorm, mean over tokens, Linear head. Options: a class token with learned positions (the original
// ViT, Dosovitskiy et al. 2021) and the head norm after pooling (GSE's copy). Tokens travel as batch-major rows
// [B·N, D], so every Linear (all from the layer factory, by path) sees an ordinary batch of B·N rows and may be sparse;
// the model tells FLOP counting how many rows per image each layer runs on (IRowsPerSample).
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>A ViT for batch-major images [B, C·H·W]; returns logits [B, classes].</summary>
public sealed class SimpleVit : Module, IRowsPerSample
{
    private readonly LayerNorm _patchNorm, _embedNorm, _norm;
    private readonly Module _embed, _head;
    private readonly Sequential _blocks;
    private readonly Tensor? _sinCos, _classToken, _positions;

    /// <summary>
    /// Builds the model. Layer paths: "embed", "blocks.{i}.attn.qkv", "blocks.{i}.attn.out", "blocks.{i}.mlp.fc1",
    /// "blocks.{i}.mlp.fc2", "head". The class token and learned positions (if any) are initialised from <paramref name="rng"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent (see <see cref="VitConfig.Validate"/>).</exception>
    public SimpleVit(VitConfig config, ILayerFactory factory, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(factory);
        config.Validate();
        Config = config;
        _patchNorm = RegisterModule("patch_norm", new LayerNorm(config.PatchDim));
        _embed = RegisterModule("embed", factory.Linear("embed", config.PatchDim, config.Dim));
        _embedNorm = RegisterModule("embed_norm", new LayerNorm(config.Dim));
        if (config.Pool == VitPool.ClassToken)
        {
            _classToken = RegisterParameter("cls_token", new Tensor(1, config.Dim));
            rng.FillNormal(_classToken.Data, 0f, 0.02f);
        }
        if (config.Positions == VitPositions.Learned)
        {
            _positions = RegisterParameter("pos_embedding", new Tensor(config.Tokens, config.Dim));
            rng.FillNormal(_positions.Data, 0f, 0.02f);
        }
        else _sinCos = PositionalEmbedding.SinCos2d(config.Height / config.Patch, config.Width / config.Patch, config.Dim);
        _blocks = RegisterModule("blocks", new Sequential());
        for (int i = 0; i < config.Depth; i++) _blocks.Add(new VitBlock($"blocks.{i}", config, factory));
        _norm = RegisterModule("norm", new LayerNorm(config.Dim));
        _head = RegisterModule("head", factory.Linear("head", config.Dim, config.Classes));
    }

    /// <summary>The architecture.</summary>
    public VitConfig Config { get; }

    /// <summary>The fixed sin-cos table [patches, dim] (not a parameter), or null with learned positions.</summary>
    public Tensor? SinCosTable => _sinCos;

    /// <summary>The learned class token [1, dim] ("cls_token"), or null with mean pooling.</summary>
    public Tensor? ClassToken => _classToken;

    /// <summary>The learned positions [tokens, dim] ("pos_embedding"), or null with the sin-cos table.</summary>
    public Tensor? LearnedPositions => _positions;

    /// <inheritdoc/>
    /// <remarks>The patch embedding runs on N patch rows, the blocks (their projections and attention) on every token, the head on one row.</remarks>
    public int RowsPerSample(Module layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_head.Modules().Contains(layer)) return 1;
        if (_embed.Modules().Contains(layer)) return Config.Patches;
        return _blocks.Modules().Contains(layer) ? Config.Tokens : 1;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var c = Config;
        int batch = input.Dim(0);
        var x = Ops.Patchify(input, c.Channels, c.Height, c.Width, c.Patch);          // [B·N, p²C]
        x = _embedNorm.Forward(_embed.Forward(_patchNorm.Forward(x)));                 // [B·N, D]
        if (_sinCos is not null) x = Ops.AddBroadcast(x, _sinCos);
        if (_classToken is not null) x = Ops.ConcatTokens(Ops.Tile(_classToken, batch), x, batch);   // [B·(N+1), D]
        if (_positions is not null) x = Ops.AddBroadcast(x, _positions);
        x = _blocks.Forward(x);
        if (!c.NormAfterPool) x = _norm.Forward(x);
        x = c.Pool == VitPool.ClassToken ? Ops.SelectToken(x, c.Tokens, 0) : Ops.MeanTokens(x, c.Tokens);
        if (c.NormAfterPool) x = _norm.Forward(x);
        return _head.Forward(x);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"SimpleVit(patch {Config.Patch}, dim {Config.Dim}, depth {Config.Depth}, heads {Config.Heads}×{Config.HeadDim}, mlp {Config.MlpDim}, {Config.Tokens} tokens)";
}
