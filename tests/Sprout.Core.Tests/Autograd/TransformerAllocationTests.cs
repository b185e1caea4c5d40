// A steady-state training step through every transformer primitive (LayerNorm, attention fused and composed, GELU MLP,
// broadcast positional add, class-token tile and concat, token mean) allocates nothing on the calling thread.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Autograd;

public class TransformerAllocationTests
{
    [Fact]
    public void SteadyStateTransformerStepAllocatesNothing()
    {
        const int batch = 4, tokens = 9, dim = 16, heads = 4, classes = 3;
        Tensor P(ulong seed, params int[] shape)
        {
            var t = GradCheck.RandomTensor(seed, shape);
            t.RequiresGrad = true;
            return t;
        }
        Tensor x = GradCheck.RandomTensor(1, batch * tokens, dim), pos = GradCheck.RandomTensor(2, tokens, dim);
        Tensor gamma = P(3, dim), beta = P(4, dim), wqkv = P(5, 3 * dim, dim), wo = P(6, dim, dim);
        Tensor w1 = P(7, 2 * dim, dim), w2 = P(8, dim, 2 * dim), cls = P(9, 1, dim), head = P(10, classes, dim);
        int[] labels = [0, 1, 2, 0];
        var tape = new Tape();
        Tensor[] parameters = [gamma, beta, wqkv, wo, w1, w2, cls, head];

        void Step()
        {
            Tensor loss;
            using (tape.Record())
            {
                var t = Sprout.Core.Ops.AddBroadcast(x, pos);
                t = Sprout.Core.Ops.ConcatTokens(Sprout.Core.Ops.Tile(cls, batch), t, batch);   // tokens + 1 per sample
                var n = Sprout.Core.Ops.LayerNorm(t, gamma, beta);
                t = Sprout.Core.Ops.Add(t, Sprout.Core.Ops.Linear(Sprout.Core.Ops.SelfAttention(Sprout.Core.Ops.Linear(n, wqkv, null), tokens + 1, heads), wo, null));
                n = Sprout.Core.Ops.LayerNorm(t, gamma, beta);   // a second attention layer through the primitive ops
                t = Sprout.Core.Ops.Add(t, Sprout.Core.Ops.Linear(Sprout.Core.Ops.SelfAttentionFromPrimitives(Sprout.Core.Ops.Linear(n, wqkv, null), tokens + 1, heads), wo, null));
                n = Sprout.Core.Ops.LayerNorm(t, gamma, beta);
                t = Sprout.Core.Ops.Add(t, Sprout.Core.Ops.Linear(Sprout.Core.Ops.Gelu(Sprout.Core.Ops.Linear(n, w1, null)), w2, null));
                loss = Sprout.Core.Ops.SoftmaxCrossEntropy(Sprout.Core.Ops.Linear(Sprout.Core.Ops.MeanTokens(t, tokens + 1), head, null), labels, batch);
            }
            tape.Backward(loss);
            tape.Reset();
            foreach (var p in parameters) p.ZeroGrad();
        }

        for (int i = 0; i < 50; i++) Step();
        Assert.Equal(0, Allocations.OnceSettled(Step));
    }
}
