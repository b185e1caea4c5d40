// Fixed 2-D sine-cosine positional embeddings (simple_vit's posemb_sincos_2d; Beyer et al. 2022, "Better plain ViT
// baselines"). For a grid of h × w patches and width D (a multiple of 4), with ω_k = 10000^(−k/(D/4 − 1)) for
// k < D/4, the row of patch (y, x) is [sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)]. The table is a constant: computed
// once in double, never trained, never in the optimizer.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Positional embedding tables for vision transformers.</summary>
public static class PositionalEmbedding
{
    /// <summary>The sin-cos table [h·w, dim], patch (y, x) at row y·w + x (the token order of <see cref="Ops.Patchify"/>).</summary>
    /// <exception cref="ArgumentException">A grid side is not positive, or dim is not a multiple of 4 of at least 8.</exception>
    public static Tensor SinCos2d(int height, int width, int dim, double temperature = 10000)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"The patch grid must be positive, got {height}×{width}.");
        if (dim % 4 != 0 || dim < 8)
            throw new ArgumentException($"A 2-D sin-cos embedding needs a width that is a multiple of 4 and at least 8, got {dim}.", nameof(dim));
        int quarter = dim / 4;
        var table = new Tensor(height * width, dim);
        var t = table.Data;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var row = t.Slice((y * width + x) * dim, dim);
                for (int k = 0; k < quarter; k++)
                {
                    double omega = Math.Pow(temperature, -(double)k / (quarter - 1));
                    row[k] = (float)Math.Sin(x * omega);
                    row[quarter + k] = (float)Math.Cos(x * omega);
                    row[2 * quarter + k] = (float)Math.Sin(y * omega);
                    row[3 * quarter + k] = (float)Math.Cos(y * omega);
                }
            }
        return table;
    }
}
