// LayerRow: the per-layer table printed at the start of sparse training and stored in summaries
// (name, kind, shape, density, nnz), from each weight layer's own Describe(). Dense layers appear with density 1.
using System.Globalization;
using System.Text;
using Sprout.Nn;

namespace Sprout.Training.Sparsity;

/// <summary>One row of the table.</summary>
/// <param name="Name">Module path.</param>
/// <param name="Kind">"csr", "masked", "topkast" (Nnz = forward set) or "dense".</param>
/// <param name="Rows">Outputs.</param>
/// <param name="Cols">Inputs.</param>
/// <param name="Nnz">Active connections.</param>
public sealed record LayerRow(string Name, string Kind, int Rows, int Cols, long Nnz)
{
    /// <summary>Nnz / (Rows·Cols).</summary>
    public double Density => (double)Nnz / ((long)Rows * Cols);

    /// <summary>The rows of every weight layer of <paramref name="model"/> (each describes itself), in forward order.</summary>
    public static IReadOnlyList<LayerRow> Of(Module model)
    {
        var rows = new List<LayerRow>();
        foreach (var (path, m) in model.NamedModules())
            if (m is IDescribedLayer layer)
            {
                var d = layer.Describe();
                rows.Add(new(path, d.Kind, d.Rows, d.Cols, d.Nnz));
            }
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
}
