// LinearMapping: every fully connected layer as one Gemm (y = x·Wᵀ + b, transB = 1, W [out × in] as stored): dense
// Linear, always-sparse SparseLinear (CSR values), MaskedLinear (the dense weight at the mask's active entries) and
// TopKastLinear (θ on the forward set A). Sparse weights go through OnnxGraph.SparseMatrix, which stores them dense or
// as a sparse_initializer. A SparseLinear with a fused ReLU gets a Relu node (its FusedRelu slot is then an identity).
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits fully connected layers as Gemm.</summary>
public sealed class LinearMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        string weight;
        Sprout.Core.Tensor? bias;
        int outputs;
        bool relu = false;
        switch (module)
        {
            case Linear l:
                weight = graph.Initializer(path + ".weight", [l.OutFeatures, l.InFeatures], l.Weight.Data);
                (bias, outputs) = (l.Bias, l.OutFeatures);
                break;
            case SparseLinear s:
                weight = Csr(graph, path, s.Topology, s.Values.Data);
                (bias, outputs, relu) = (s.Bias, s.OutFeatures, s.Options.Relu);
                break;
            case MaskedLinear m:
                var active = new float[m.Topology.Nnz];
                m.ReadActiveWeights(active);
                weight = Csr(graph, path, m.Topology, active);
                (bias, outputs) = (m.Bias, m.Topology.Rows);
                break;
            case TopKastLinear t:
                weight = TopKast(graph, path, t);
                (bias, outputs) = (t.Bias, t.OutFeatures);
                break;
            default:
                return null;
        }
        List<string> inputs = [input, weight];
        if (bias is not null) inputs.Add(graph.Initializer(path + ".bias", [outputs], bias.Data));
        string y = graph.Node("Gemm", inputs, path + ".out", OnnxGraph.Int("transB", 1));
        return relu ? graph.Node("Relu", [y], path + ".relu") : y;
    }

    private static string Csr(OnnxGraph graph, string path, CsrMatrix topology, ReadOnlySpan<float> values) =>
        graph.SparseMatrix(path + ".weight", topology.Rows, topology.Cols, topology.RowPointers, topology.ColumnIndices, values);

    // A's entries are B's entries flagged InForwardSet; their values are θ there (the optimizer's copy).
    private static string TopKast(OnnxGraph graph, string path, TopKastLinear t)
    {
        var rowPointers = new int[t.OutFeatures + 1];
        var columns = new List<int>();
        var values = new List<float>();
        var entries = new List<long>();
        for (int i = 0; i < t.BackwardCount; i++)
            if (t.InForwardSet(i)) entries.Add(t.BackwardPosition(i));
        entries.Sort();
        foreach (long p in entries)
        {
            int row = (int)(p / t.InFeatures);
            rowPointers[row + 1]++;
            columns.Add((int)(p % t.InFeatures));
            values.Add(t.ValueAt(p));
        }
        for (int r = 0; r < t.OutFeatures; r++) rowPointers[r + 1] += rowPointers[r];
        return graph.SparseMatrix(path + ".weight", t.OutFeatures, t.InFeatures, rowPointers, columns.ToArray(), values.ToArray());
    }
}
