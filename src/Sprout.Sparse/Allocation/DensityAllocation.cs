// DensityAllocation: per-layer densities from a global density, as pure functions (RigL's sparse_utils
// get_sparsities with the erdos_renyi dense-exclusion loop; ALGORITHMS.md §6). Given raw probabilities q_l
// (1, ER or ERK, raised to the power scale) it solves for ε such that Σ_l ε·q_l·N_l equals the budget of the
// layers not fixed, moving any layer whose ε·q_l would exceed 1 into the dense set D and solving again.
// Not here: building layers or sampling topologies (see SparseModels / CsrMatrix).
namespace Sprout.Sparse.Allocation;

/// <summary>Layer-wise density allocation: uniform, ER and ERK with dense exclusion.</summary>
public static class DensityAllocation
{
    /// <summary>
    /// Densities d_l for <paramref name="layers"/>. Fixed layers (overrides, dense first/last) get their density and are
    /// left out of both sums. For the rest, with s = 1 − d and D the layers forced dense (initially none):
    /// rhs = Σ_{l∉D} (N_l − ⌊s·N_l⌋) − Σ_{l∈D} ⌊s·N_l⌋, ε = rhs / Σ_{l∉D} q_l·N_l; if max_{l∉D} ε·q_l &gt; 1 the layers with
    /// the largest q_l join D and ε is solved again; finally d_l = ε·q_l (l ∉ D) and d_l = 1 (l ∈ D).
    /// Uniform is the same rule with q_l = 1, i.e. d_l = d.
    /// </summary>
    /// <returns>One density per layer, in order.</returns>
    /// <exception cref="ArgumentException">No layers, an empty shape, an override outside (0, 1] or naming no layer, or a budget no allocation can meet.</exception>
    public static double[] Allocate(IReadOnlyList<LayerShape> layers, DensityAllocationOptions options)
    {
        if (layers.Count == 0) throw new ArgumentException("No layers to allocate density to.", nameof(layers));
        int n = layers.Count;
        var result = new double[n];
        var fixedLayer = new bool[n];
        foreach (var (name, d) in options.Overrides)
        {
            if (!(d is > 0 and <= 1)) throw new ArgumentException($"The density override for '{name}' is {d}; it must be in (0, 1].", nameof(options));
            int i = IndexOf(layers, name);
            if (i < 0) throw new ArgumentException($"The density override names layer '{name}', which does not exist; layers are: {string.Join(", ", layers.Select(l => l.Name))}.", nameof(options));
            result[i] = d;
            fixedLayer[i] = true;
        }
        if (options.DenseFirstLayer) (result[0], fixedLayer[0]) = (1.0, true);
        if (options.DenseLastLayer) (result[n - 1], fixedLayer[n - 1]) = (1.0, true);

        var q = new double[n];
        for (int i = 0; i < n; i++)
        {
            var l = layers[i];
            if (l.Rows <= 0 || l.Cols <= 0 || l.KernelHeight <= 0 || l.KernelWidth <= 0)
                throw new ArgumentException($"Layer '{l.Name}' has an empty shape {l.Rows}×{l.Cols}×{l.KernelHeight}×{l.KernelWidth}.", nameof(layers));
            q[i] = Math.Pow(RawProbability(l, options.Distribution), options.PowerScale);
        }

        double s = 1 - options.Density;
        var dense = new bool[n];
        while (true)
        {
            double rhs = 0, divisor = 0;
            for (int i = 0; i < n; i++)
            {
                if (fixedLayer[i]) continue;
                long N = layers[i].Parameters;
                double zeros = Math.Floor(s * N);
                if (dense[i]) rhs -= zeros;
                else
                {
                    rhs += N - zeros;
                    divisor += q[i] * N;
                }
            }
            if (divisor == 0) break; // every free layer is dense
            double eps = rhs / divisor;
            double maxQ = 0;
            for (int i = 0; i < n; i++)
                if (!fixedLayer[i] && !dense[i]) maxQ = Math.Max(maxQ, q[i]);
            if (eps * maxQ <= 1)
            {
                if (eps <= 0) throw new ArgumentException($"Density {options.Density} cannot be met: the layers forced dense already use the whole budget. Lower the dense exclusions or raise the density.", nameof(options));
                for (int i = 0; i < n; i++)
                    if (!fixedLayer[i]) result[i] = dense[i] ? 1.0 : eps * q[i];
                return result;
            }
            for (int i = 0; i < n; i++)
                if (!fixedLayer[i] && !dense[i] && q[i] == maxQ) dense[i] = true;
        }
        for (int i = 0; i < n; i++)
            if (!fixedLayer[i]) result[i] = 1.0;
        return result;
    }

    /// <summary>Active connections per layer: round(d_l·N_l), at least 1.</summary>
    public static long[] NnzPerLayer(IReadOnlyList<LayerShape> layers, IReadOnlyList<double> densities)
    {
        if (densities.Count != layers.Count) throw new ArgumentException($"{layers.Count} layers but {densities.Count} densities.", nameof(densities));
        var nnz = new long[layers.Count];
        for (int i = 0; i < nnz.Length; i++) nnz[i] = Math.Max(1, (long)Math.Round(densities[i] * layers[i].Parameters));
        return nnz;
    }

    /// <summary>The unscaled probability q_l of a layer under a distribution (1 for uniform).</summary>
    public static double RawProbability(LayerShape layer, DensityDistribution distribution) => distribution switch
    {
        DensityDistribution.Uniform => 1.0,
        DensityDistribution.ErdosRenyi => ((double)layer.Rows + layer.Cols) / ((double)layer.Rows * layer.Cols),
        // A linear layer's kernel is [in, out] in RigL, so ERK reduces to ER; a 1×1 conv is treated the same way here.
        DensityDistribution.ErdosRenyiKernel when layer.KernelHeight * layer.KernelWidth == 1 => ((double)layer.Rows + layer.Cols) / ((double)layer.Rows * layer.Cols),
        DensityDistribution.ErdosRenyiKernel => ((double)layer.Rows + layer.Cols + layer.KernelHeight + layer.KernelWidth) / layer.Parameters,
        _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "Unknown density distribution."),
    };

    private static int IndexOf(IReadOnlyList<LayerShape> layers, string name)
    {
        for (int i = 0; i < layers.Count; i++)
            if (layers[i].Name == name) return i;
        return -1;
    }
}
