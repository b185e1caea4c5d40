// Pre-norm MLP of one ViT block: LayerNorm → Linear → GELU → Linear (both with bias), as simple_vit's FeedForward.
// When both projections are CSR layers, the hidden activations stay feature-major ([mlp × B·N], the layout the CSR
// kernels work in; GELU is elementwise and keeps it): that saves two of the four [B·N × mlp] transposes per step and
// block, forward and backward. A CSR fc1 also gets its input feature-major from the LayerNorm (no transposed copy kept).
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>The MLP half of a ViT block (without its residual add), over token rows [B·N, D].</summary>
public sealed class VitMlp : Module
{
    private readonly Module _fc1, _fc2;
    private readonly LayerNorm _norm;

    /// <summary>Builds the sublayer; its projections are "<paramref name="path"/>.fc1" and "<paramref name="path"/>.fc2".</summary>
    public VitMlp(string path, VitConfig config, ILayerFactory factory)
    {
        _norm = RegisterModule("norm", new LayerNorm(config.Dim));
        _fc1 = RegisterModule("fc1", factory.Linear($"{path}.fc1", config.Dim, config.MlpDim));
        _fc2 = RegisterModule("fc2", factory.Linear($"{path}.fc2", config.MlpDim, config.Dim));
        if (_fc1 is SparseLinear fc1 && _fc2 is SparseLinear) fc1.Options = fc1.Options with { Output = Layout.FeatureMajor };
        if (_fc1 is SparseLinear) _norm.OutputLayout = Layout.FeatureMajor;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => _fc2.Forward(Ops.Gelu(_fc1.Forward(_norm.Forward(input))));
}
