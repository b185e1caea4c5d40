// TopKastConvMapping: a Top-KAST conv layer as one Conv node whose weight is θ on the forward set A,
// [Cout × Cin·KH·KW] stored as [Cout, Cin, KH, KW] through OnnxGraph.SparseMatrix (dense, sparse Constant or
// sparse_initializer): exactly what the layer computes in evaluation mode. Two layer forms: the always-sparse
// TopKastConv2d (A flagged among B's entries, like TopKastLinear) and the masked MaskedTopKastConv2d (dense θ).
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="TopKastConv2d"/> and <see cref="MaskedTopKastConv2d"/> as Conv with their forward-set weights.</summary>
public sealed class TopKastConvMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        ConvShape shape;
        Sprout.Core.Tensor? bias;
        int[] rowPointers;
        int[] columns;
        float[] values;
        switch (module)
        {
            case TopKastConv2d t:
                (shape, bias) = (t.Shape, t.Bias);
                (rowPointers, columns, values) = AlwaysSparse(t);
                break;
            case MaskedTopKastConv2d m:
                (shape, bias) = (m.Shape, m.Bias);
                (rowPointers, columns, values) = Masked(m);
                break;
            default:
                return null;
        }
        string weight = graph.SparseMatrix(path + ".weight", shape.OutChannels, shape.FanIn, rowPointers, columns, values,
            [shape.OutChannels, shape.InChannels, shape.KernelHeight, shape.KernelWidth]);
        return ConvMapping.Conv(graph, path, input, weight, bias, shape);
    }

    // A's entries are B's entries flagged InForwardSet; their values are θ there. Sorted into CSR order.
    private static (int[], int[], float[]) AlwaysSparse(TopKastConv2d t)
    {
        int fanIn = t.Shape.FanIn;
        var positions = new List<long>(t.ForwardCount);
        for (int i = 0; i < t.BackwardCount; i++)
            if (t.InForwardSet(i)) positions.Add(t.BackwardPosition(i));
        positions.Sort();
        var rowPointers = new int[t.Shape.OutChannels + 1];
        var columns = new int[positions.Count];
        var values = new float[positions.Count];
        for (int j = 0; j < positions.Count; j++)
        {
            long p = positions[j];
            rowPointers[p / fanIn + 1]++;
            (columns[j], values[j]) = ((int)(p % fanIn), t.ValueAt(p));
        }
        for (int r = 0; r < t.Shape.OutChannels; r++) rowPointers[r + 1] += rowPointers[r];
        return (rowPointers, columns, values);
    }

    private static (int[], int[], float[]) Masked(MaskedTopKastConv2d m)
    {
        var shape = m.Shape;
        var theta = m.Weight.Data;
        var rowPointers = new int[shape.OutChannels + 1];
        var columns = new int[m.ForwardCount];
        var values = new float[m.ForwardCount];
        int nnz = 0;
        for (int r = 0; r < shape.OutChannels; r++)
        {
            for (int c = 0; c < shape.FanIn; c++)
            {
                int p = r * shape.FanIn + c;
                if (!m.InForwardSet(p)) continue;
                (columns[nnz], values[nnz]) = (c, theta[p]);
                nnz++;
            }
            rowPointers[r + 1] = nnz;
        }
        return (rowPointers, columns, values);
    }
}
