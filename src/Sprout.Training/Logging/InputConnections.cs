// InputConnections: live connections per input feature of a model's first weight layer (the SET/RigL figure of
// connections per MNIST pixel). Counted from the CSR structure for sparse layers, and from the nonzero weights of a
// dense Linear, so a dense run shows a flat map. Only a fully connected first layer maps its inputs one to one to
// pixels; a model whose first weight layer is anything else has no such map (null).
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Training.Logging;

/// <summary>Per-input connection counts of a model's first weight layer.</summary>
public static class InputConnections
{
    /// <summary>
    /// The first weight layer (module order) and its input count, or null when the first weight layer is not fully
    /// connected (a conv layer's columns are C·KH·KW, not pixels).
    /// </summary>
    public static (string Name, int Inputs)? FirstLayer(Module model)
    {
        foreach (var m in model.Modules())
        {
            if (m is ISparseLayer sparse) return (sparse.LayerName, sparse.Topology.Cols);
            if (m is Linear linear) return (NameOf(model, linear), linear.InFeatures);
            if (m.NamedParameters().Count > 0 && m.Children.Count == 0) return null;
        }
        return null;
    }

    /// <summary>Counts live connections per input of the first weight layer into <paramref name="counts"/> [inputs]; false when there is no such layer.</summary>
    public static bool Count(Module model, Span<int> counts)
    {
        counts.Clear();
        foreach (var m in model.Modules())
        {
            if (m is ISparseLayer sparse)
            {
                foreach (int c in sparse.Topology.ColumnIndices) counts[c]++;
                return true;
            }
            if (m is Linear linear)
            {
                var w = linear.Weight.Data;
                int cols = linear.InFeatures;
                for (int i = 0; i < w.Length; i++)
                    if (w[i] != 0f) counts[i % cols]++;
                return true;
            }
            if (m.NamedParameters().Count > 0 && m.Children.Count == 0) return false;
        }
        return false;
    }

    private static string NameOf(Module model, Module target)
    {
        foreach (var (name, tensor) in model.NamedParameters())
            if (target.NamedParameters().Count > 0 && ReferenceEquals(target.NamedParameters()[0].Tensor, tensor))
                return name[..name.LastIndexOf('.')];
        return "";
    }
}
