// A layer whose nnz changes at a rewire (budget moved between layers): the parameter tensor, its gradient and the
// optimizer's state (SGD momentum, Adam's two moments) follow the new count and the entries they belong to, grown
// entries start at zero, the masked layer's mask follows its CSR, and both layers keep training.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class NnzChangeTests
{
    private static Dictionary<long, float> ByPosition(CsrMatrix t, ReadOnlySpan<float> perEntry)
    {
        var map = new Dictionary<long, float>();
        for (int p = 0; p < t.Nnz; p++) map[t.LinearIndexOf(p)] = perEntry[p];
        return map;
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void SparseLinearStateFollowsGrowingAndShrinkingNnz(string optimizer)
    {
        var rng = new Rng(3);
        var layer = new SparseLinear(16, 12, 0.2, rng);
        Optimizer opt = optimizer == "sgd" ? new Sgd(layer.NamedParameters(), 0.1f, momentum: 0.9f) : new Adam(layer.NamedParameters(), 0.01f);
        string slot = optimizer == "sgd" ? "momentum" : "exp_avg";
        var x = new Tensor(4, 16);
        rng.FillNormal(x.Data, 0, 1);
        var tape = new Tape();
        foreach (var (drops, grows) in new[] { (3, 20), (15, 2), (0, 30), (25, 25) })
        {
            Tensor loss;
            using (tape.Record()) loss = Ops.Sum(layer.Forward(x));
            tape.Backward(loss);
            opt.Step();
            tape.Reset();
            var topo = layer.Topology;
            var weights = ByPosition(topo, layer.Values.Data);
            var state = ByPosition(topo, opt.FindState(layer.Values, slot)!.Data);
            var grads = ByPosition(topo, layer.Values.Grad);
            var (d, r, c) = RandomChanges.Pick(topo, drops, grows, rng);
            int expected = topo.Nnz - drops + grows;

            layer.Rewire(d, r, c, opt);

            Assert.Equal(expected, topo.Nnz);
            topo.CheckInvariants();
            Assert.Equal(expected, layer.Values.Size);
            Assert.Same(topo.Values, layer.Values.Storage);
            var newState = opt.FindState(layer.Values, slot)!;
            Assert.Equal(expected, newState.Size);
            for (int p = 0; p < topo.Nnz; p++)
            {
                long key = topo.LinearIndexOf(p);
                bool kept = weights.ContainsKey(key);
                Assert.Equal(kept ? weights[key] : 0f, layer.Values[p]);
                Assert.Equal(kept ? state[key] : 0f, newState[p]);
                Assert.Equal(kept ? grads[key] : 0f, layer.Values.Grad[p]);
            }
        }
        using (tape.Record()) Ops.Sum(layer.Forward(x)); // the op accepts the resized parameter
        tape.Reset();
    }

    [Fact]
    public void MaskedLinearMaskFollowsAnUnequalRewire()
    {
        var rng = new Rng(4);
        var layer = new MaskedLinear(10, 8, 0.3, rng);
        var (d, r, c) = RandomChanges.Pick(layer.Topology, 2, 9, rng);
        int expected = layer.Topology.Nnz + 7;
        layer.Rewire(d, r, c, optimizer: null);
        Assert.Equal(expected, layer.Topology.Nnz);
        Assert.Equal(expected, layer.Mask.ToArray().Count(m => m == 1f));
        for (int i = 0; i < r.Length; i++) Assert.Equal(1f, layer.Mask[r[i] * 10 + c[i]]);
    }

    [Fact]
    public void LayersBuildOnAMatrixWhoseNnzShrank()
    {
        // After a shrink the matrix's value array is longer than Nnz (capacity is kept): a new layer must use Nnz.
        var t = CsrMatrix.Random(6, 9, 30, new Rng(1));
        var (drop, rows, cols) = RandomChanges.Pick(t, 8, 2, new Rng(2));
        t.ChangeTopology(drop, rows, cols, 0f);
        Assert.True(t.Capacity > t.Nnz);
        var sparse = new SparseLinear(t, new Rng(3));
        Assert.Equal(24, sparse.Values.Size);
        var masked = new MaskedLinear(t, new Rng(4));
        Assert.Equal(24, (int)masked.Mask.Data.ToArray().Sum());
    }
}
