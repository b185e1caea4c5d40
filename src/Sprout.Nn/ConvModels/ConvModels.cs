// ConvModels: the conv nets of the seed papers, written as data (stage tables) and built through an ILayerFactory,
// so every Conv2d and Linear is asked for by its module path ("layer1.0.conv1", "fc") and the factory decides dense,
// masked or always-sparse. BatchNorm, pooling and activations are built here; they hold no prunable weights.
//   lenet5        Caffe LeNet-5 as in sparse momentum: conv 20 5×5, pool, conv 50 5×5, pool, fc 500, fc (431 k on MNIST);
//                 its convs keep PyTorch's default init as in that code (ConvInit.TorchDefault).
//   vgg16         CIFAR VGG-16 with BN: 13 3×3 convs (64…512, 5 max pools), one Linear head (14.7 M on CIFAR).
//   resnetN       He et al. CIFAR ResNets, N = 6n+2 (20, 32, 56, …): 16/32/64 wide, option-B shortcuts (0.27 M for 20).
//   resnet18      the CIFAR ResNet-18: 3×3 stem of 64, stages 64/128/256/512 × 2 blocks (11.2 M).
//   wrn-D-K       Wide ResNet (Zagoruyko): pre-activation, (D−4)/6 blocks per stage, widths 16K/32K/64K.
using System.Globalization;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Builders for LeNet-5, VGG-16, CIFAR ResNets, ResNet-18 and Wide ResNets.</summary>
public static class ConvModels
{
    /// <summary>The accepted names, for help text and errors.</summary>
    public const string Names = "lenet5, vgg16, resnet20, resnet32, resnet56 (any resnet6n+2), resnet18, wrn-D-K (e.g. wrn-22-2, wrn-28-2)";

    // VGG-16 configuration "D": output channels of each 3×3 conv, 0 = 2×2 max pool.
    private static readonly int[] Vgg16Layers = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    /// <summary>True when <paramref name="name"/> names a conv net this class builds.</summary>
    public static bool IsConvModel(string name) => TryParse(name, out _, out _);

    /// <summary>Builds the named model for inputs of channels×height×width and <paramref name="classes"/> logits.</summary>
    /// <exception cref="ArgumentException">Unknown name, bad depth/width, or an input too small for the architecture.</exception>
    public static ConvNet Build(string name, ILayerFactory factory, int channels, int height, int width, int classes)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (classes < 1) throw new ArgumentException($"A classifier needs at least one class (got {classes}).", nameof(classes));
        if (!TryParse(name, out var family, out var arg))
            throw new ArgumentException($"Unknown conv model '{name}'; expected one of: {Names}.", nameof(name));
        return family switch
        {
            "lenet5" => LeNet5(factory, channels, height, width, classes),
            "vgg16" => Vgg16(factory, channels, height, width, classes),
            "resnet18" => ResNet(name, factory, channels, height, width, classes, 64, [(64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2)]),
            "resnet" => ResNet(name, factory, channels, height, width, classes, 16, [(16, arg.A, 1), (32, arg.A, 2), (64, arg.A, 2)]),
            _ => WideResNet(name, factory, channels, height, width, classes, arg.A, arg.B),
        };
    }

    private static bool TryParse(string name, out string family, out (int A, int B) arg)
    {
        (family, arg) = ("", (0, 0));
        if (name is "lenet5" or "vgg16" or "resnet18") { family = name; return true; }
        if (name.StartsWith("resnet", StringComparison.Ordinal) && Int(name[6..], out int depth))
        {
            // 6n + 2 layers: n blocks per stage, three stages, plus the stem and the head.
            if (depth < 8 || (depth - 2) % 6 != 0) return false;
            (family, arg) = ("resnet", ((depth - 2) / 6, 0));
            return true;
        }
        var parts = name.Split('-');
        if (parts is ["wrn", var d, var k] && Int(d, out int wd) && Int(k, out int wk) && wd >= 10 && (wd - 4) % 6 == 0 && wk >= 1)
        {
            (family, arg) = ("wrn", ((wd - 4) / 6, wk));
            return true;
        }
        return false;

        static bool Int(string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v) && v > 0;
    }

    private static ConvNet LeNet5(ILayerFactory f, int c, int h, int w, int classes)
    {
        var layers = new List<(string, Module)>();
        int inC = c, oh = h, ow = w;
        foreach (var (outC, n) in new[] { (20, 1), (50, 2) })
        {
            var shape = new ConvShape(inC, outC, 5, 5);
            (oh, ow) = Out(shape, oh, ow, $"conv{n}");
            (oh, ow, inC) = (oh / 2, ow / 2, outC);
            if (oh < 1 || ow < 1) throw TooSmall("lenet5", c, h, w);
            layers.AddRange([($"conv{n}", f.Conv2d($"conv{n}", shape, bias: true, ConvInit.TorchDefault)), ($"relu{n}", new Relu()), ($"pool{n}", new MaxPool2d(2))]);
        }
        layers.AddRange([("flatten", new Flatten()), ("fc3", f.Linear("fc3", inC * oh * ow, 500)), ("relu3", new Relu()), ("fc4", f.Linear("fc4", 500, classes))]);
        return new ConvNet("lenet5", c, h, w, classes, layers);
    }

    private static ConvNet Vgg16(ILayerFactory f, int c, int h, int w, int classes)
    {
        // PyTorch's VGG naming: one Sequential "features" (conv, bn, relu, …, pool) and a "classifier".
        var features = new Sequential();
        int inC = c, oh = h, ow = w;
        foreach (int outC in Vgg16Layers)
        {
            if (outC == 0)
            {
                (oh, ow) = (oh / 2, ow / 2);
                if (oh < 1 || ow < 1) throw TooSmall("vgg16", c, h, w);
                features.Add(new MaxPool2d(2));
                continue;
            }
            var conv = f.Conv2d($"features.{features.Layers.Count}", new ConvShape(inC, outC, 3, 3, 1, 1));
            features.Add(conv).Add(new BatchNorm2d(outC)).Add(new Relu());
            inC = outC;
        }
        return new ConvNet("vgg16", c, h, w, classes,
            [("features", features), ("flatten", new Flatten()), ("classifier", f.Linear("classifier", inC * oh * ow, classes))]);
    }

    private static ConvNet ResNet(string name, ILayerFactory f, int c, int h, int w, int classes, int stem, (int Width, int Blocks, int Stride)[] stages)
    {
        var layers = new List<(string, Module)>
        {
            ("conv1", f.Conv2d("conv1", new ConvShape(c, stem, 3, 3, 1, 1))), ("bn1", new BatchNorm2d(stem)), ("relu", new Relu()),
        };
        int inC = stem;
        for (int s = 0; s < stages.Length; s++)
        {
            var (width, blocks, stride) = stages[s];
            var stage = new Sequential();
            for (int b = 0; b < blocks; b++)
            {
                stage.Add(new BasicBlock($"layer{s + 1}.{b}", inC, width, b == 0 ? stride : 1, f));
                inC = width;
            }
            layers.Add(($"layer{s + 1}", stage));
        }
        layers.AddRange([("avgpool", new GlobalAvgPool2d()), ("fc", f.Linear("fc", inC, classes))]);
        return new ConvNet(name, c, h, w, classes, layers);
    }

    private static ConvNet WideResNet(string name, ILayerFactory f, int c, int h, int w, int classes, int blocks, int k)
    {
        var layers = new List<(string, Module)> { ("conv1", f.Conv2d("conv1", new ConvShape(c, 16, 3, 3, 1, 1))) };
        int inC = 16;
        int[] widths = [16 * k, 32 * k, 64 * k];
        for (int s = 0; s < 3; s++)
        {
            var stage = new Sequential();
            for (int b = 0; b < blocks; b++)
            {
                stage.Add(new WideBasicBlock($"layer{s + 1}.{b}", inC, widths[s], b == 0 && s > 0 ? 2 : 1, f));
                inC = widths[s];
            }
            layers.Add(($"layer{s + 1}", stage));
        }
        layers.AddRange([("bn", new BatchNorm2d(inC)), ("relu", new Relu()), ("avgpool", new GlobalAvgPool2d()), ("fc", f.Linear("fc", inC, classes))]);
        return new ConvNet(name, c, h, w, classes, layers);
    }

    private static (int, int) Out(ConvShape s, int h, int w, string path)
    {
        var win = s.Window;
        if (h + 2 * s.Padding < s.KernelHeight || w + 2 * s.Padding < s.KernelWidth)
            throw new ArgumentException($"{path}: a {s.KernelHeight}×{s.KernelWidth} kernel does not fit a {h}×{w} input.");
        return (win.OutputHeight(h), win.OutputWidth(w));
    }

    private static ArgumentException TooSmall(string model, int c, int h, int w) =>
        new($"{model} cannot take {c}×{h}×{w} inputs: the pooling stages shrink them below 1×1. Use larger images.");
}
