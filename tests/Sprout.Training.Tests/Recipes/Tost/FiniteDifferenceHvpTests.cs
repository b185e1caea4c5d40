// FiniteDifferenceHvp against an analytic Hessian: L(θ₁, θ₂) = ½‖W₁θ₁ + W₂θ₂‖² + b·θ₁ has H = [W₁ W₂]ᵀ[W₁ W₂], so
// the central difference of two autograd gradients must give H·v (exactly, up to float32 rounding: L is quadratic),
// on two parameter tensors at once, and must leave the parameters as they were.
using Sprout.Core;
using Sprout.TestSupport;
using Sprout.Training.Recipes.Tost;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class FiniteDifferenceHvpTests
{
    [Theory]
    [InlineData(1e-3)]
    [InlineData(1e-1)]
    public void MatchesTheAnalyticHessianOfAQuadratic(double relativeStep)
    {
        var rng = new Rng(11);
        const int m = 5, n1 = 3, n2 = 2;
        var w1 = Random(rng, m, n1);
        var w2 = Random(rng, m, n2);
        var b = Random(rng, n1, 1);
        var theta1 = Random(rng, n1, 1);
        var theta2 = Random(rng, n2, 1);
        theta1.RequiresGrad = theta2.RequiresGrad = true;
        var tape = new Tape();
        void Gradient()
        {
            theta1.ZeroGrad();
            theta2.ZeroGrad();
            Tensor loss;
            using (tape.Record())
            {
                var r = Ops.Add(Ops.MatMul(w1, theta1), Ops.MatMul(w2, theta2));
                loss = Ops.Add(Ops.Scale(Ops.Sum(Ops.Mul(r, r)), 0.5f), Ops.Sum(Ops.Mul(b, theta1)));
            }
            tape.Backward(loss);
            tape.Reset();
        }
        float[] v1 = [0.3f, -1.2f, 0.7f], v2 = [2.0f, -0.4f];
        float[][] result = [new float[n1], new float[n2]];
        var before = theta1.Data.ToArray().Concat(theta2.Data.ToArray()).ToArray();

        FiniteDifferenceHvp.Compute([theta1, theta2], Gradient, [v1, v2], result, relativeStep);

        // Analytic: H·v = Aᵀ(A v) with A = [W₁ W₂] (m × 5).
        var av = new double[m];
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n1; j++) av[r] += w1[r, j] * v1[j];
            for (int j = 0; j < n2; j++) av[r] += w2[r, j] * v2[j];
        }
        var expected1 = Enumerable.Range(0, n1).Select(j => (float)Enumerable.Range(0, m).Sum(r => w1[r, j] * av[r])).ToArray();
        var expected2 = Enumerable.Range(0, n2).Select(j => (float)Enumerable.Range(0, m).Sum(r => w2[r, j] * av[r])).ToArray();
        Approx.Equal(expected1, result[0], atol: 2e-3f, rtol: 2e-3f, what: "H·v, first tensor");
        Approx.Equal(expected2, result[1], atol: 2e-3f, rtol: 2e-3f, what: "H·v, second tensor");
        Assert.Equal(before, theta1.Data.ToArray().Concat(theta2.Data.ToArray()).ToArray());
    }

    [Fact]
    public void ZeroVectorGivesZeroWithoutEvaluating()
    {
        var p = new Tensor(3) { RequiresGrad = true };
        float[][] result = [[1f, 2f, 3f]];
        FiniteDifferenceHvp.Compute([p], () => throw new InvalidOperationException("no gradient needed"), [new float[3]], result);
        Assert.Equal([0f, 0f, 0f], result[0]);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        var p = new Tensor(3) { RequiresGrad = true };
        Assert.Throws<ArgumentException>(() => FiniteDifferenceHvp.Compute([p], () => { }, [new float[2]], [new float[3]]));
        Assert.Throws<ArgumentException>(() => FiniteDifferenceHvp.Compute([p], () => { }, [new float[3]], [new float[3]], relativeStep: 0));
    }

    private static Tensor Random(Rng rng, int rows, int cols)
    {
        var t = new Tensor(rows, cols);
        rng.FillNormal(t.Data, 0f, 1f);
        return t;
    }
}
