// BasicBlock: the two-conv residual block of He et al. (post-activation): relu(bn2(conv2(relu(bn1(conv1 x)))) + s(x)).
// When the stride or width changes, the shortcut s is a 1×1 conv (stride s) + BatchNorm, the paper's option B.
// (For its CIFAR nets the paper used option A, an identity that subsamples and zero-pads channels; B adds 2,752
// parameters to ResNet-20, 0.27 M either way, and is what PyTorch CIFAR ResNet-18 code and most sparse-training
// code use. Its 1×1 conv comes from the factory, so sparse methods see it like every other weight layer.)
// ToST hooks: the two activations are Relu modules (ghost soft neurons set their β), and GhostSkipPaths can be
// attached as the child "ghost" and detached again, leaving the block exactly as built.
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
    private readonly Relu _relu1 = new(), _relu2 = new(); // not registered: parameter-free, and the module tree stays as before
    private readonly int _inChannels, _outChannels, _stride;

    /// <summary>Builds the block at module path <paramref name="path"/> (e.g. "layer2.0"), its convs from <paramref name="factory"/>.</summary>
    public BasicBlock(string path, int inChannels, int outChannels, int stride, ILayerFactory factory)
    {
        (_inChannels, _outChannels, _stride) = (inChannels, outChannels, stride);
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

    /// <summary>Input channels.</summary>
    public int InChannels => _inChannels;

    /// <summary>Output channels.</summary>
    public int OutChannels => _outChannels;

    /// <summary>Stride of the first convolution (and of the shortcut).</summary>
    public int Stride => _stride;

    /// <summary>The block's two activations (after conv1 and after the sum), for ToST's ghost soft neurons.</summary>
    public IReadOnlyList<Relu> Activations => [_relu1, _relu2];

    /// <summary>The attached ghost skip paths, or null.</summary>
    public GhostSkipPaths? Ghosts { get; private set; }

    /// <summary>Attaches new ghost skip paths (child "ghost") sized for this block and returns them.</summary>
    /// <exception cref="InvalidOperationException">Ghosts are already attached.</exception>
    public GhostSkipPaths AttachGhosts()
    {
        if (Ghosts is not null) throw new InvalidOperationException("This block already has ghost skip paths; detach them first.");
        Ghosts = RegisterModule("ghost", new GhostSkipPaths(_inChannels, _outChannels, _stride));
        if (!Training) Ghosts.Eval();
        return Ghosts;
    }

    /// <summary>Removes the ghost skip paths, if any: the block's parameters, buffers and module tree are then as built.</summary>
    public void DetachGhosts()
    {
        if (Ghosts is null) return;
        UnregisterModule("ghost");
        Ghosts = null;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        // Plain ReLUs and no ghost paths (every step outside ToST's early phase): BatchNorm, the shortcut add and the
        // ReLUs run as the fused operators, with the same values and one pass each way.
        if (Ghosts is null && _relu1.IsPlain && _relu2.IsPlain)
        {
            var a1 = _bn1.ForwardRelu(_conv1.Forward(input));
            var z = _conv2.Forward(a1);
            return _bn2.ForwardAddRelu(z, _shortcutConv is null ? input : _shortcutBn!.Forward(_shortcutConv.Forward(input)));
        }
        var h = _bn1.Forward(_conv1.Forward(input));
        if (Ghosts is not null) h = Ops.Add(h, Ghosts.Input(input));
        var a = _relu1.Forward(h);
        var y = _bn2.Forward(_conv2.Forward(a));
        var s = _shortcutConv is null ? input : _shortcutBn!.Forward(_shortcutConv.Forward(input));
        y = Ops.Add(y, s);
        if (Ghosts is not null) y = Ops.Add(y, Ghosts.Hidden(a));
        return _relu2.Forward(y);
    }
}
