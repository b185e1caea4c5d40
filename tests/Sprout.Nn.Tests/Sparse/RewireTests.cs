// Rewiring a layer keeps nnz, keeps the CSR and the dense mask in sync, initializes new weights to the grow
// value, and moves or resets optimizer state with the weights.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class RewireTests
{
    [Fact]
    public void MaskedLinearKeepsMaskAndCsrInSync()
    {
        var layer = new MaskedLinear(20, 30, 0.2, new Rng(1));
        var opt = new Sgd(layer.NamedParameters(), 0.1f, momentum: 0.9f);
        layer.Weight.Grad.Fill(1f);
        opt.Step(); // momentum everywhere (masked gradients are not used here: the test writes Grad directly)
        var rng = new Rng(2);
        for (int round = 0; round < 5; round++)
        {
            int nnz = layer.Topology.Nnz;
            var (drop, rows, cols) = RandomChanges.Pick(layer.Topology, 7, 7, rng);
            layer.Rewire(drop, rows, cols, opt);
            layer.Topology.CheckInvariants();
            Assert.Equal(nnz, layer.Topology.Nnz);
            var mask = layer.Mask.ToArray();
            Assert.Equal(nnz, mask.Count(m => m == 1f));
            int n = layer.Topology.Cols; // 20 inputs; rows are the 30 outputs
            for (int r = 0; r < layer.Topology.Rows; r++)
                for (int c = 0; c < n; c++)
                {
                    Assert.Equal(layer.Topology.IsActive(r, c) ? 1f : 0f, mask[r * n + c]);
                    if (mask[r * n + c] == 0f) Assert.Equal(0f, layer.Weight[r * n + c]);
                }
            var momentum = opt.FindState(layer.Weight, "momentum")!;
            for (int i = 0; i < rows.Length; i++)
            {
                Assert.Equal(0f, layer.Weight[rows[i] * 20 + cols[i]]);
                Assert.Equal(0f, momentum[rows[i] * 20 + cols[i]]);
            }
        }
    }

    [Fact]
    public void SparseLinearMovesStateWithWeights()
    {
        var layer = new SparseLinear(25, 15, 0.3, new Rng(3));
        var opt = new Adam(layer.NamedParameters(), 0.01f);
        layer.Values.Grad.Fill(0.5f);
        opt.Step();
        var m = opt.FindState(layer.Values, "exp_avg")!;
        for (int p = 0; p < m.Size; p++) m[p] = layer.Values[p]; // tag state with the weight it belongs to
        var (drop, rows, cols) = RandomChanges.Pick(layer.Topology, 10, 10, new Rng(4));
        var change = layer.Rewire(drop, rows, cols, opt, growValue: 0f);
        layer.Topology.CheckInvariants();
        for (int p = 0; p < layer.Topology.Nnz; p++)
            Assert.Equal(change.Sources[p] < 0 ? 0f : layer.Values[p], m[p]);
        Assert.Equal(10, change.GrownCount);
        foreach (int p in change.GrownIndices) Assert.Equal(0f, layer.Values[p]);
    }

    [Fact]
    public void GradientsAtBeforeAnyBackwardIsAClearError()
    {
        var layer = new SparseLinear(4, 3, 0.5, new Rng(5)) { LayerName = "fc1" };
        var ex = Assert.Throws<InvalidOperationException>(() => layer.GradientsAt([0], [0], new float[1]));
        Assert.Contains("fc1", ex.Message);
    }
}
