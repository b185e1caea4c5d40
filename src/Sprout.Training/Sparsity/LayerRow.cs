// LayerRow: the per-layer table printed at the start of sparse training and stored in summaries
// (name, kind, shape, density, nnz). Dense Linear layers appear with density 1.
using System.Globalization;
using System.Text;
using Sprout.Nn;

namespace Sprout.Training.Sparsity;

/// <summary>One row of the table.</summary>
/// <param name="Name">Module path.</param>
/// <param name="Kind">"csr", "masked" or "dense".</param>
/// <param name="Rows">Outputs.</param>
/// <param name="Cols">Inputs.</param>
/// <param name="Nnz">Active connections.</param>
public sealed record LayerRow(string Name, string Kind, int Rows, int Cols, long Nnz)
{
    /// <summary>Nnz / (Rows·Cols).</summary>
    public double Density => (double)Nnz / ((long)Rows * Cols);

    /// <summary>The rows of every linear layer of <paramref name="model"/>, in forward order.</summary>
    public static IReadOnlyList<LayerRow> Of(Module model)
    {
        var rows = new List<LayerRow>();
        Walk(model, "", rows);
        return rows;
    }

    /// <summary>The rows as an aligned text table with a total line.</summary>
    public static string Format(IReadOnlyList<LayerRow> rows)
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(string.Format(ci, "{0,-8} {1,-7} {2,15} {3,9} {4,12}", "layer", "kind", "shape", "density", "nnz"));
        long nnz = 0, total = 0;
        foreach (var r in rows)
        {
            sb.AppendLine(string.Format(ci, "{0,-8} {1,-7} {2,15} {3,9:0.0000} {4,12:N0}", r.Name, r.Kind, $"{r.Rows}x{r.Cols}", r.Density, r.Nnz));
            nnz += r.Nnz;
            total += (long)r.Rows * r.Cols;
        }
        sb.AppendLine(string.Format(ci, "{0,-8} {1,-7} {2,15} {3,9:0.0000} {4,12:N0}", "total", "", "", (double)nnz / total, nnz));
        return sb.ToString();
    }

    private static void Walk(Module m, string path, List<LayerRow> rows)
    {
        switch (m)
        {
            case SparseLinear s: rows.Add(new(path, "csr", s.OutFeatures, s.InFeatures, s.Topology.Nnz)); break;
            case MaskedLinear k: rows.Add(new(path, "masked", k.Topology.Rows, k.Topology.Cols, k.Topology.Nnz)); break;
            case Linear l: rows.Add(new(path, "dense", l.OutFeatures, l.InFeatures, (long)l.OutFeatures * l.InFeatures)); break;
        }
        foreach (var (name, child) in m.Children) Walk(child, path.Length == 0 ? name : path + "." + name, rows);
    }
}
