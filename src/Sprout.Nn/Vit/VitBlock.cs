// One pre-norm transformer block: x = x + Attention(LN x), then x = x + MLP(LN x).
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>A ViT block over token rows [B·N, D]; children "attn" and "mlp".</summary>
public sealed class VitBlock : Module
{
    private readonly VitAttention _attention;
    private readonly VitMlp _mlp;

    /// <summary>Builds block <paramref name="path"/> (e.g. "blocks.0"): layers "{path}.attn.qkv", "{path}.attn.out", "{path}.mlp.fc1", "{path}.mlp.fc2".</summary>
    public VitBlock(string path, VitConfig config, ILayerFactory factory)
    {
        _attention = RegisterModule("attn", new VitAttention($"{path}.attn", config, factory));
        _mlp = RegisterModule("mlp", new VitMlp($"{path}.mlp", config, factory));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = Ops.Add(input, _attention.Forward(input));
        return Ops.Add(x, _mlp.Forward(x));
    }
}
