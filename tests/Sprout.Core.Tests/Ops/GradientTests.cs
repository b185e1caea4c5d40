// Finite-difference checks for every differentiable op in Core.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class GradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => GradCheck.RandomTensor(seed, shape);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 4)]
    [InlineData(7, 2, 9)]
    public void Linear(int batch, int inF, int outF)
    {
        Tensor x = R(1, batch, inF), w = R(2, outF, inF), b = R(3, outF);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Linear(x, w, b)), [x, w, b]);
    }

    [Fact]
    public void LinearOnRank3Input()
    {
        Tensor x = R(4, 2, 3, 5), w = R(5, 4, 5);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Linear(x, w, null)), [x, w]);
    }

    [Fact]
    public void MatMul()
    {
        Tensor a = R(6, 3, 4), b = R(7, 4, 5);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.MatMul(a, b)), [a, b]);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("swish")]
    [InlineData("swish2")]
    public void Activations(string kind)
    {
        var x = R(8, 4, 6);
        // Keep ReLU inputs away from the kink, where the derivative is undefined.
        if (kind == "relu") for (int i = 0; i < x.Size; i++) if (MathF.Abs(x[i]) < 0.05f) x[i] = 0.3f;
        Func<Tensor> f = kind switch
        {
            "relu" => () => GradCheck.WeightedSum(Sprout.Core.Ops.Relu(x)),
            "tanh" => () => GradCheck.WeightedSum(Sprout.Core.Ops.Tanh(x)),
            "sigmoid" => () => GradCheck.WeightedSum(Sprout.Core.Ops.Sigmoid(x)),
            "swish" => () => GradCheck.WeightedSum(Sprout.Core.Ops.Swish(x)),
            _ => () => GradCheck.WeightedSum(Sprout.Core.Ops.Swish(x, 2f)),
        };
        GradCheck.Check(f, [x]);
    }

    [Fact]
    public void AddMulScale()
    {
        Tensor a = R(9, 3, 3), b = R(10, 3, 3);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Add(a, b)), [a, b]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Mul(a, b)), [a, b]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Scale(a, -1.7f)), [a]);
    }

    [Fact]
    public void SameTensorUsedTwiceAccumulates()
    {
        var a = R(11, 2, 5);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Mul(a, a)), [a]);
        // Add copies into a fresh gradient and adds to a written one: x + x, and a residual x + f(x) whose x also feeds f.
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Add(a, a)), [a]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Add(a, Sprout.Core.Ops.Tanh(Sprout.Core.Ops.Scale(a, 0.7f)))), [a]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OverwritingBackwardsGiveTheSameGradientOnARepeatedPooledStep(bool gelu)
    {
        // The second step rents the same pooled intermediate, whose stale gradient the add (or GELU) must overwrite, not add to.
        var a = R(12, 4, 3);
        a.RequiresGrad = true;
        var tape = new Tape();
        float[] Step()
        {
            a.ZeroGrad();
            Tensor loss;
            using (tape.Record())
            {
                var h = Sprout.Core.Ops.Scale(a, 1.5f);
                loss = GradCheck.WeightedSum(gelu ? Sprout.Core.Ops.Gelu(h) : Sprout.Core.Ops.Add(h, Sprout.Core.Ops.Tanh(h)));
            }
            tape.Backward(loss);
            tape.Reset();
            return a.Grad.ToArray();
        }
        var first = Step();
        Assert.Contains(first, g => g != 0);
        Assert.Equal(first, Step());
    }

    [Fact]
    public void SumMeanReshapeFlatten()
    {
        var a = R(12, 2, 3, 4);
        GradCheck.Check(() => Sprout.Core.Ops.Sum(a), [a]);
        GradCheck.Check(() => Sprout.Core.Ops.Mean(Sprout.Core.Ops.Mul(a, a)), [a]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Reshape(a, [4, 6])), [a]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Flatten(a)), [a]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void SoftmaxCrossEntropy(float smoothing)
    {
        var logits = R(13, 5, 4);
        int[] labels = [0, 3, 1, 2, 3];
        GradCheck.Check(() => Sprout.Core.Ops.SoftmaxCrossEntropy(logits, labels, 5, smoothing), [logits], eps: 1e-2f, atol: 1e-3f);
    }

    [Fact]
    public void DropoutWithFixedMask()
    {
        var x = R(14, 3, 8);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Dropout(x, 0.4f, new Rng(5))), [x]);
    }

    [Fact]
    public void ComposedTwoLayerNetwork()
    {
        Tensor x = R(15, 4, 6), w1 = R(16, 5, 6), b1 = R(17, 5), w2 = R(18, 3, 5), b2 = R(19, 3);
        int[] labels = [2, 0, 1, 1];
        GradCheck.Check(() => Sprout.Core.Ops.SoftmaxCrossEntropy(
            Sprout.Core.Ops.Linear(Sprout.Core.Ops.Tanh(Sprout.Core.Ops.Linear(x, w1, b1)), w2, b2), labels, 4), [x, w1, b1, w2, b2]);
    }
}
