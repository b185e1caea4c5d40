// GhostSkipPaths: ToST's two ghost skip connections of one residual block (Jaiswal et al., ICML 2022; the released
// VITA-Group/ToST skip-connection models): dense 1×1 conv + BatchNorm paths that add
//   α·BN_a(conv_a x)   (stride s, in → out) to conv1's normalised output, before the first activation, and
//   α·BN_b(conv_b a)   (out → out) from that activation to the block's sum, before the final activation.
// Both convs start at the constant 1e-4 (as in the released code); α is annealed to 0 by the recipe, after which
// the block drops the paths (BasicBlock.DetachGhosts). They are deliberately dense and outside the layer factory:
// no sparsity method sees them, and they leave no trace in the model once removed.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>The two dense ghost skip paths of a <see cref="BasicBlock"/>, scaled by <see cref="Alpha"/>.</summary>
public sealed class GhostSkipPaths : Module
{
    /// <summary>The constant the ghost convolutions are initialised to.</summary>
    public const float InitialWeight = 1e-4f;

    private readonly Conv2d _convA, _convB;
    private readonly BatchNorm2d _bnA, _bnB;

    /// <summary>Paths for a block from <paramref name="inChannels"/> to <paramref name="outChannels"/> with the given stride.</summary>
    /// <exception cref="ArgumentException">Non-positive channels or stride.</exception>
    public GhostSkipPaths(int inChannels, int outChannels, int stride)
    {
        if (inChannels < 1 || outChannels < 1 || stride < 1)
            throw new ArgumentException($"Ghost skip paths need positive channels and stride (got {inChannels}→{outChannels}, stride {stride}).");
        var rng = new Rng(1); // the weights are overwritten with the constant below; Conv2d only needs some stream
        _convA = RegisterModule("conv_a", new Conv2d(new ConvShape(inChannels, outChannels, 1, 1, stride, 0), rng));
        _bnA = RegisterModule("bn_a", new BatchNorm2d(outChannels));
        _convB = RegisterModule("conv_b", new Conv2d(new ConvShape(outChannels, outChannels, 1, 1, 1, 0), rng));
        _bnB = RegisterModule("bn_b", new BatchNorm2d(outChannels));
        _convA.Weight.Data.Fill(InitialWeight);
        _convB.Weight.Data.Fill(InitialWeight);
    }

    /// <summary>Scale of both paths; the recipe anneals it from 1 to 0.</summary>
    public float Alpha { get; set; } = 1f;

    /// <summary>Height and width of the block's input at the last forward pass (0 before any), for counting multiply-adds.</summary>
    public (int Height, int Width) LastInput { get; private set; }

    /// <summary>α·BN_a(conv_a x): added to conv1's normalised output. <paramref name="x"/> is the block input [C, B, H, W].</summary>
    public Tensor Input(Tensor x)
    {
        LastInput = (x.Dim(2), x.Dim(3));
        return Ops.Scale(_bnA.Forward(_convA.Forward(x)), Alpha);
    }

    /// <summary>α·BN_b(conv_b a): added to the block's sum before its final activation; <paramref name="a"/> is conv1's activation.</summary>
    public Tensor Hidden(Tensor a) => Ops.Scale(_bnB.Forward(_convB.Forward(a)), Alpha);

    /// <summary>Not a layer of its own: the block calls <see cref="Input"/> and <see cref="Hidden"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("GhostSkipPaths has two entry points inside its BasicBlock; call Input or Hidden.");

    /// <summary>Multiply-adds per image of one training step (forward, input and weight gradient) at the last input size.</summary>
    public long MacsPerSample()
    {
        var (h, w) = LastInput;
        if (h == 0) return 0;
        int oh = _convA.Shape.Window.OutputHeight(h), ow = _convA.Shape.Window.OutputWidth(w);
        return _convA.MacsPerSample(h, w) + _convB.MacsPerSample(oh, ow);
    }

    /// <summary>Number of ghost parameters (conv weights and BatchNorm scales and shifts).</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Tensor.Size);

    /// <summary>Parameters of the paths of a block from <paramref name="inChannels"/> to <paramref name="outChannels"/>: in·out + out² + 4·out.</summary>
    public static long ParameterCountFor(int inChannels, int outChannels) =>
        (long)inChannels * outChannels + (long)outChannels * outChannels + 4L * outChannels;
}
