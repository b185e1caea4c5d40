// Swish x·σ(βx) as ToST's ghost soft neuron (β is set from outside between steps through the Nn module's Beta): its input
// gradient passes finite differences on odd sizes at several β, and a large β is ReLU (to 1e-13 at |x| ≥ 0.5, exactly from |x| = 2) with no
// overflow far from it, so annealing β upward ends at a plain ReLU network.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class GhostSwishTests
{
    [Theory]
    [InlineData(0.5f)]
    [InlineData(1f)]
    [InlineData(4f)]
    [InlineData(10f)]
    public void GradientPassesFiniteDifferencesOnOddSizes(float beta)
    {
        var x = GradCheck.RandomTensor(31, 3, 7);
        for (int i = 0; i < x.Size; i++) x[i] *= 2f;
        // A step of 1e-2 spans a sizeable part of the soft knee at β = 10, so the difference is taken closer in.
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Swish(x, beta)), [x], eps: beta >= 10f ? 2e-3f : 1e-2f, atol: 4e-3f);
    }

    [Fact]
    public void LargeBetaIsReluAwayFromZeroAndFiniteEverywhere()
    {
        float[] values = [-1e6f, -30f, -2f, -0.5f, 0.5f, 2f, 30f, 1e6f];
        var x = new Tensor(values, values.Length) { RequiresGrad = true };
        var tape = new Tape();
        Tensor y, loss;
        using (tape.Record()) loss = Sprout.Core.Ops.Sum(y = Sprout.Core.Ops.Swish(x, beta: 60f));
        tape.Backward(loss);
        for (int i = 0; i < values.Length; i++)
        {
            // Off by at most |x|·σ(−β|x|) ≤ 0.5·e^−30 ≈ 5e-14 (|x| ≥ 0.5), and exact from |x| = 2 on.
            Assert.True(MathF.Abs(y[i] - MathF.Max(values[i], 0f)) <= 1e-13f, $"swish({values[i]}) = {y[i]}");
            Assert.True(MathF.Abs(x.Grad[i] - (values[i] > 0 ? 1f : 0f)) <= 1e-11f, $"swish'({values[i]}) = {x.Grad[i]}");
            if (MathF.Abs(values[i]) >= 2f) Assert.Equal(MathF.Max(values[i], 0f), y[i]);
        }
        tape.Reset();
    }
}
