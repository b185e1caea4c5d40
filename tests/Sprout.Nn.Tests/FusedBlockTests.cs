// Residual blocks run BatchNorm → ReLU and BatchNorm → + shortcut → ReLU as fused operators when their ReLUs are plain.
// The fused and unfused paths (BatchNorm2d.FusionEnabled) must train the same ResNet and WRN alike: losses, weights
// and running statistics after a few SGD steps agree to float rounding. And a dense ResNet step through the fused
// blocks allocates nothing once warm. Runs alone: FusionEnabled is process-wide.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests;

[Collection(ProcessMemory.Name)]
public sealed class FusedBlockTests
{
    [Theory]
    [InlineData("resnet20")]
    [InlineData("wrn-10-1")]
    public void FusedAndUnfusedBlocksTrainAlike(string name)
    {
        var (fusedLosses, fused) = Train(name, fusion: true);
        var (plainLosses, plain) = Train(name, fusion: false);
        Approx.Equal(plainLosses, fusedLosses, 1e-5f, 1e-4f, "losses");
        Assert.Equal(plain.Length, fused.Length);
        for (int i = 0; i < plain.Length; i++) Approx.Equal(plain[i], fused[i], 1e-4f, 1e-3f, $"parameter or buffer {i}");
    }

    [Fact]
    public void ChainsRunBatchNormThenPlainReluAsOneFusedOp()
    {
        // The stem of a ResNet, the last norm of a WRN and VGG's features are such chains (ConvNet and Sequential).
        var chain = new Sequential(new BatchNorm2d(3), new Relu());
        var x = GradCheck.RandomTensor(7, 3, 2, 4, 4);
        x.Layout = Layout.FeatureMajor;
        x.RequiresGrad = true;
        int Nodes(bool fusion)
        {
            bool saved = BatchNorm2d.FusionEnabled;
            BatchNorm2d.FusionEnabled = fusion;
            try
            {
                var tape = new Tape();
                using (tape.Record()) chain.Forward(x);
                return tape.Count;
            }
            finally { BatchNorm2d.FusionEnabled = saved; }
        }
        Assert.Equal(1, Nodes(fusion: true));
        Assert.Equal(2, Nodes(fusion: false));
    }

    [Fact]
    public void DenseResNetStepAllocatesNothingOnceWarm()
    {
        const int batch = 4;
        var net = ConvModels.Build("resnet20", new DenseTestFactory(3), 3, 8, 8, 10);
        var x = GradCheck.RandomTensor(4, batch, 3 * 8 * 8);
        int[] labels = [1, 2, 3, 4];
        var opt = new Sgd(net.NamedParameters(), 0.01f, momentum: 0.9f);
        var tape = new Tape();
        long bytes = Allocations.OnceSettled(() =>
        {
            Tensor loss;
            using (tape.Record()) loss = Sprout.Core.Ops.SoftmaxCrossEntropy(net.Forward(x), labels, batch);
            tape.Backward(loss);
            opt.Step();
            opt.ZeroGrad();
            tape.Reset();
        });
        Assert.Equal(0, bytes);
    }

    // Four SGD steps on a fixed batch: the losses, then every parameter and BatchNorm buffer.
    private static (float[] Losses, float[][] State) Train(string name, bool fusion)
    {
        const int batch = 8;
        bool saved = BatchNorm2d.FusionEnabled;
        BatchNorm2d.FusionEnabled = fusion;
        try
        {
            var net = ConvModels.Build(name, new DenseTestFactory(5), 3, 8, 8, 10);
            var x = GradCheck.RandomTensor(6, batch, 3 * 8 * 8);
            var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
            var opt = new Sgd(net.NamedParameters(), 0.05f, momentum: 0.9f);
            var tape = new Tape();
            var losses = new float[4];
            for (int step = 0; step < losses.Length; step++)
            {
                Tensor loss;
                using (tape.Record()) loss = Sprout.Core.Ops.SoftmaxCrossEntropy(net.Forward(x), labels, batch);
                tape.Backward(loss);
                losses[step] = loss[0];
                opt.Step();
                opt.ZeroGrad();
                tape.Reset();
            }
            var state = net.NamedParameters().Select(p => p.Tensor.Data.ToArray())
                .Concat(net.Modules().OfType<BatchNorm2d>().SelectMany(b => new[] { b.RunningMean.Data.ToArray(), b.RunningVar.Data.ToArray() }));
            return (losses, state.ToArray());
        }
        finally
        {
            BatchNorm2d.FusionEnabled = saved;
        }
    }
}
