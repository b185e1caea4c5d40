// WideBasicBlock: the pre-activation block of Wide ResNets (Zagoruyko & Komodakis):
// o = relu(bn1 x); y = conv2(relu(bn2(conv1 o))) + s, where s = x when the block keeps stride and width, and
// otherwise s = a 1×1 conv of o (the official code's convShortcut, applied to the activated input).
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Pre-activation wide residual block with two 3×3 convolutions (WRN-D-K). No dropout.</summary>
public sealed class WideBasicBlock : Module
{
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Module _conv1, _conv2;
    private readonly Module? _shortcut;

    private readonly Relu _relu1 = new(), _relu2 = new(); // not registered: parameter-free, the module tree stays as before

    /// <summary>Builds the block at module path <paramref name="path"/>, its convs from <paramref name="factory"/>.</summary>
    public WideBasicBlock(string path, int inChannels, int outChannels, int stride, ILayerFactory factory)
    {
        _bn1 = RegisterModule("bn1", new BatchNorm2d(inChannels));
        _conv1 = RegisterModule("conv1", factory.Conv2d(path + ".conv1", new ConvShape(inChannels, outChannels, 3, 3, stride, 1)));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", factory.Conv2d(path + ".conv2", new ConvShape(outChannels, outChannels, 3, 3, 1, 1)));
        if (stride != 1 || inChannels != outChannels)
            _shortcut = RegisterModule("shortcut", factory.Conv2d(path + ".shortcut", new ConvShape(inChannels, outChannels, 1, 1, stride, 0)));
    }

    /// <summary>The block's two activations, for ToST's ghost soft neurons (ghost skip paths are BasicBlock-only).</summary>
    public IReadOnlyList<Relu> Activations => [_relu1, _relu2];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        // Plain ReLUs (every step outside ToST's early phase) run fused with their BatchNorm: same values, one pass each way.
        var o = _relu1.IsPlain ? _bn1.ForwardRelu(input) : _relu1.Forward(_bn1.Forward(input));
        var h = _conv1.Forward(o);
        var y = _conv2.Forward(_relu2.IsPlain ? _bn2.ForwardRelu(h) : _relu2.Forward(_bn2.Forward(h)));
        return Ops.Add(y, _shortcut is null ? input : _shortcut.Forward(o));
    }
}
