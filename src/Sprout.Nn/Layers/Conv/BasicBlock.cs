// BasicBlock: the two-conv residual block of He et al. (post-activation): relu(bn2(conv2(relu(bn1(conv1 x)))) + s(x)).
// When the stride or width changes, the shortcut s is a 1×1 conv (stride s) + BatchNorm, the paper's option B.
// (For its CIFAR nets the paper used option A, an identity that subsamples and zero-pads channels; B adds 2,752
// parameters to ResNet-20, 0.27 M either way, and is what PyTorch CIFAR ResNet-18 code and most sparse-training
// code use. Its 1×1 conv comes from the factory, so sparse methods see it like every other weight layer.)
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Post-activation residual block with two 3×3 convolutions (ResNet-20/32/56, ResNet-18).</summary>
public sealed class BasicBlock : Module
{
    private readonly Module _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Module? _shortcutConv;
    private readonly BatchNorm2d? _shortcutBn;

    /// <summary>Builds the block at module path <paramref name="path"/> (e.g. "layer2.0"), its convs from <paramref name="factory"/>.</summary>
    public BasicBlock(string path, int inChannels, int outChannels, int stride, ILayerFactory factory)
    {
        _conv1 = RegisterModule("conv1", factory.Conv2d(path + ".conv1", new ConvShape(inChannels, outChannels, 3, 3, stride, 1)));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", factory.Conv2d(path + ".conv2", new ConvShape(outChannels, outChannels, 3, 3, 1, 1)));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
        {
            var shortcut = RegisterModule("shortcut", new Sequential());
            _shortcutConv = factory.Conv2d(path + ".shortcut.0", new ConvShape(inChannels, outChannels, 1, 1, stride, 0));
            _shortcutBn = new BatchNorm2d(outChannels);
            shortcut.Add(_shortcutConv).Add(_shortcutBn);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var y = Ops.Relu(_bn1.Forward(_conv1.Forward(input)));
        y = _bn2.Forward(_conv2.Forward(y));
        var s = _shortcutConv is null ? input : _shortcutBn!.Forward(_shortcutConv.Forward(input));
        return Ops.Relu(Ops.Add(y, s));
    }
}
