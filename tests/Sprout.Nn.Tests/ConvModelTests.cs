// Conv-net models built through a (tests-only, dense) layer factory: parameter counts against the published ones,
// factory paths equal to module paths, output shapes, BatchNorm buffers kept out of the parameters, train/eval
// behaviour, and a few SGD steps on a fixed random batch lowering the loss.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests;

public sealed class ConvModelTests
{
    // Published totals (weights + biases + BN affine; running statistics are buffers, not counted):
    //   LeNet-5 Caffe on MNIST 431,080 (sparse momentum); ResNet-20/32/56 269,722 / 464,154 / 853,018 with the paper's
    //   option-A shortcuts, + 2,752 for option B's two 1×1 conv + BN projections (16·32 + 32·64 + 2·(32 + 64));
    //   ResNet-18 (CIFAR) 11,173,962; WRN-28-2 1,467,610. VGG-16 with BN (CIFAR) is published as 14,728,266 with a bias
    //   on every conv; ours has none before a BN (4,224 fewer). WRN-22-2 is derived: WRN-28-2 less one block per stage
    //   (2·(32² + 64² + 128²)·9 conv weights + 2·2·(32 + 64 + 128) BN = 387,968).
    [Theory]
    [InlineData("lenet5", 1, 28, 431_080)]
    [InlineData("resnet20", 3, 32, 269_722 + 2_752)]
    [InlineData("resnet32", 3, 32, 464_154 + 2_752)]
    [InlineData("resnet56", 3, 32, 853_018 + 2_752)]
    [InlineData("resnet18", 3, 32, 11_173_962)]
    [InlineData("vgg16", 3, 32, 14_728_266 - 4_224)]
    [InlineData("wrn-28-2", 3, 32, 1_467_610)]
    [InlineData("wrn-22-2", 3, 32, 1_467_610 - 387_968)]
    public void ParameterCountsMatchThePublishedOnes(string name, int channels, int size, long expected)
    {
        var net = ConvModels.Build(name, new DenseTestFactory(), channels, size, size, 10);
        Assert.Equal(expected, net.Parameters().Sum(p => (long)p.Size));
    }

    [Theory]
    [InlineData("resnet20", 19 + 2 + 1)]   // 19 3×3 convs, 2 shortcut 1×1 convs, the head
    [InlineData("wrn-22-2", 1 + 18 + 3 + 1)]   // stem, 9 blocks × 2, a 1×1 shortcut per stage, the head
    [InlineData("vgg16", 13 + 1)]
    [InlineData("lenet5", 4)]
    public void EveryWeightLayerComesFromTheFactoryUnderItsModulePath(string name, int layers)
    {
        var factory = new DenseTestFactory();
        var net = ConvModels.Build(name, factory, 3, 32, 32, 10);
        Assert.Equal(layers, factory.Requests.Count);
        var weights = net.NamedParameters().Where(p => p.Tensor.Rank == 2).ToDictionary(p => p.Name, p => p.Tensor);
        Assert.Equal(layers, weights.Count);
        foreach (var (path, rows, cols) in factory.Requests)
            Assert.Equal([rows, cols], weights[path + ".weight"].Shape.ToArray());
        Assert.Equal(factory.Requests.Count, factory.Requests.Select(r => r.Path).Distinct().Count());
    }

    [Fact]
    public void ResNetPathsFollowTheBlocks()
    {
        var factory = new DenseTestFactory();
        ConvModels.Build("resnet20", factory, 3, 32, 32, 10);
        var paths = factory.Requests.Select(r => r.Path).ToList();
        Assert.Equal("conv1", paths[0]);
        Assert.Contains("layer1.0.conv1", paths);
        Assert.Contains("layer2.0.shortcut.0", paths);
        Assert.Contains("layer3.2.conv2", paths);
        Assert.Equal("fc", paths[^1]);
    }

    [Theory]
    [InlineData("lenet5", 1, 28)]
    [InlineData("resnet20", 3, 32)]
    [InlineData("wrn-16-1", 3, 32)]
    [InlineData("vgg16", 3, 32)]
    [InlineData("resnet18", 3, 16)]
    public void OutputIsBatchMajorLogits(string name, int channels, int size)
    {
        var net = ConvModels.Build(name, new DenseTestFactory(), channels, size, size, 7);
        var x = GradCheck.RandomTensor(3, 2, channels * size * size);
        using (new Tape().Evaluate())
        {
            var y = net.Forward(x);
            Assert.Equal([2, 7], y.Shape.ToArray());
            Assert.Equal(Layout.BatchMajor, y.Layout);
            Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void BatchNormStatisticsAreBuffersNotParameters()
    {
        var net = ConvModels.Build("resnet20", new DenseTestFactory(), 3, 32, 32, 10);
        var buffers = net.NamedBuffers();
        Assert.Contains(buffers, b => b.Name == "bn1.running_mean");
        Assert.Contains(buffers, b => b.Name == "layer2.0.shortcut.1.running_var");
        Assert.DoesNotContain(net.NamedParameters(), p => p.Name.Contains("running", StringComparison.Ordinal));
        Assert.All(buffers, b => Assert.False(b.Tensor.RequiresGrad));
        Assert.Equal(2 * (1 + 18 + 2), buffers.Count);   // mean and var of the stem, block and shortcut BNs
    }

    [Fact]
    public void EvalUsesRunningStatisticsAndTrainingUpdatesThem()
    {
        var net = ConvModels.Build("resnet20", new DenseTestFactory(), 3, 8, 8, 10);
        var x = GradCheck.RandomTensor(4, 4, 3 * 64);
        var tape = new Tape();
        var mean = net.NamedBuffers().Single(b => b.Name == "bn1.running_mean").Tensor;
        using (tape.Evaluate()) net.Forward(x);
        Assert.Contains(mean.ToArray(), v => v != 0f);         // a training-mode forward moves them…
        tape.Reset();
        net.Eval();
        var before = mean.ToArray();
        float[] a, b;
        using (tape.Evaluate()) a = net.Forward(x).ToArray();
        tape.Reset();
        using (tape.Evaluate()) b = net.Forward(x).ToArray();
        Assert.Equal(before, mean.ToArray());                   // …evaluation does not,
        Assert.Equal(a, b);                                     // and its outputs do not depend on the batch's statistics.
    }

    [Theory]
    [InlineData("resnet20", 3, 8)]
    [InlineData("lenet5", 1, 28)]
    [InlineData("wrn-10-1", 3, 8)]
    public void SgdStepsOnAFixedBatchLowerTheLoss(string name, int channels, int size)
    {
        const int batch = 16;
        var net = ConvModels.Build(name, new DenseTestFactory(5), channels, size, size, 10);
        var x = GradCheck.RandomTensor(6, batch, channels * size * size);
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        var opt = new Sgd(net.NamedParameters(), 0.05f, momentum: 0.9f);
        var tape = new Tape();
        var losses = new List<float>();
        // 20 steps: LeNet-5's PyTorch-default init starts small, so its loss falls slowly at first (2.31 → 2.10 in 8).
        for (int step = 0; step < 20; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Sprout.Core.Ops.SoftmaxCrossEntropy(net.Forward(x), labels, batch);
            tape.Backward(loss);
            losses.Add(loss[0]);
            opt.Step();
            opt.ZeroGrad();
            tape.Reset();
        }
        Assert.True(losses[^1] < 0.7f * losses[0], $"{name}: {string.Join(", ", losses)}");
    }

    [Theory]
    [InlineData("resnet21")]
    [InlineData("wrn-23-2")]
    [InlineData("vgg17")]
    [InlineData("wrn-22-0")]
    public void UnknownNamesAreRejectedWithTheList(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => ConvModels.Build(name, new DenseTestFactory(), 3, 32, 32, 10));
        Assert.Contains("resnet20", ex.Message);
    }

    [Fact]
    public void TooSmallInputsAreRejected() =>
        Assert.Throws<ArgumentException>(() => ConvModels.Build("vgg16", new DenseTestFactory(), 3, 16, 16, 10));
}
