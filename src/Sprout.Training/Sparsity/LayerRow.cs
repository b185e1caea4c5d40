// LayerRow: the per-layer table printed at the start of training and stored in summaries (name, kind, shape,
// density, nnz), from each weight layer's own Describe(). Dense layers appear with density 1. Shapes read as data
// flows: a linear layer "784→300", a conv "16→32 3×3 s2 p1" (channels, kernel, stride, padding).
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
/// <param name="Conv">The convolution's geometry, or null for a linear layer.</param>
public sealed record LayerRow(string Name, string Kind, int Rows, int Cols, long Nnz, Sprout.Sparse.ConvShape? Conv = null)
{
    /// <summary>"inputs→outputs" for a linear layer, the ConvShape ("16→32 3×3 s2 p1") for a conv.</summary>
    public string Shape => Conv is { } c ? c.ToString() : $"{Cols}→{Rows}";

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
                rows.Add(new(path, d.Kind, d.Rows, d.Cols, d.Nnz, d.Geometry.Conv));
            }
        return rows;
    }

    /// <summary>The rows as an aligned text table with a total line (columns as wide as the longest name and shape).</summary>
    public static string Format(IReadOnlyList<LayerRow> rows)
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        int name = Math.Max(8, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
        int shape = Math.Max(15, rows.Count == 0 ? 0 : rows.Max(r => r.Shape.Length));
        string format = $"{{0,-{name}}} {{1,-7}} {{2,{shape}}} {{3,9:0.0000}} {{4,12:N0}}";
        sb.AppendLine(string.Format(ci, $"{{0,-{name}}} {{1,-7}} {{2,{shape}}} {{3,9}} {{4,12}}", "layer", "kind", "shape", "density", "nnz"));
        long nnz = 0, total = 0;
        foreach (var r in rows)
        {
            sb.AppendLine(string.Format(ci, format, r.Name, r.Kind, r.Shape, r.Density, r.Nnz));
            nnz += r.Nnz;
            total += (long)r.Rows * r.Cols;
        }
        sb.AppendLine(string.Format(ci, format, "total", "", "", (double)nnz / total, nnz));
        return sb.ToString();
    }
}
