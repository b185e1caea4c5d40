// Finite-difference gradient checking: the oracle for every differentiable op (there is no PyTorch here).
// The op under test is wrapped so that it yields a scalar; analytic gradients from the tape are compared with
// central differences, evaluated in float like the ops themselves, so tolerances are loose but meaningful.
using Sprout.Core;

namespace Sprout.TestSupport;

public static class GradCheck
{
    /// <summary>
    /// Checks d(loss)/d(input) for every element of every input. <paramref name="loss"/> must build a scalar from
    /// the inputs using ops (it is called repeatedly, so any randomness inside must be re-seeded per call).
    /// </summary>
    public static void Check(Func<Tensor> loss, Tensor[] inputs, float eps = 1e-2f, float atol = 2e-3f, float rtol = 2e-2f)
    {
        foreach (var t in inputs)
        {
            t.RequiresGrad = true;
            t.ZeroGrad();
        }
        var tape = new Tape();
        Tensor l;
        using (tape.Record()) l = loss();
        tape.Backward(l);
        tape.Reset();
        foreach (var (t, n) in inputs.Select((t, n) => (t, n)))
        {
            var analytic = t.Grad.ToArray();
            for (int i = 0; i < t.Size; i++)
            {
                float saved = t[i];
                t[i] = saved + eps;
                double plus = Evaluate(loss, tape);
                t[i] = saved - eps;
                double minus = Evaluate(loss, tape);
                t[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                if (!(Math.Abs(analytic[i] - numeric) <= atol + rtol * Math.Abs(numeric)))
                    Xunit.Assert.Fail($"input {n} ({t}) element {i}: analytic {analytic[i]}, numeric {numeric}");
            }
        }
    }

    /// <summary>A fixed random tensor (seeded), for weighting outputs into a scalar.</summary>
    public static Tensor RandomTensor(ulong seed, params int[] shape)
    {
        var t = new Tensor(shape);
        new Rng(seed).FillUniform(t.Data, -1f, 1f);
        return t;
    }

    /// <summary>Σ y ⊙ w for a fixed random w: a scalar whose gradient exercises every output element differently.</summary>
    public static Tensor WeightedSum(Tensor y, ulong seed = 99)
    {
        var w = RandomTensor(seed, y.Shape.ToArray());
        w.Layout = y.Layout;
        return Ops.Sum(Ops.Mul(y, w));
    }

    private static double Evaluate(Func<Tensor> loss, Tape tape)
    {
        double v;
        using (tape.Evaluate()) v = loss()[0];
        tape.Reset();
        return v;
    }
}
