// TopKastConvMapping: a Top-KAST conv layer (masked form: dense θ, forward on θ ⊙ 1_A) as one Conv node whose weight
// is θ on the forward set A, [Cout × Cin·KH·KW] stored as [Cout, Cin, KH, KW] through OnnxGraph.SparseMatrix (dense,
// sparse Constant or sparse_initializer), exactly what the layer computes in evaluation mode. Kept apart from
// ConvMapping because the Top-KAST conv layers are still changing (an always-sparse form reading A like TopKastLinear).
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="TopKastConv2d"/> as Conv with its forward-set weights.</summary>
public sealed class TopKastConvMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not TopKastConv2d t) return null;
        var shape = t.Shape;
        var theta = t.Weight.Data;
        var rowPointers = new int[shape.OutChannels + 1];
        var columns = new int[t.ForwardCount];
        var values = new float[t.ForwardCount];
        int nnz = 0;
        for (int r = 0; r < shape.OutChannels; r++)
        {
            for (int c = 0; c < shape.FanIn; c++)
            {
                int p = r * shape.FanIn + c;
                if (!t.InForwardSet(p)) continue;
                (columns[nnz], values[nnz]) = (c, theta[p]);
                nnz++;
            }
            rowPointers[r + 1] = nnz;
        }
        string weight = graph.SparseMatrix(path + ".weight", shape.OutChannels, shape.FanIn, rowPointers, columns, values,
            [shape.OutChannels, shape.InChannels, shape.KernelHeight, shape.KernelWidth]);
        return ConvMapping.Conv(graph, path, input, weight, t.Bias, shape);
    }
}
