// Initialization of sparse weights. A sparse unit with 20 live inputs initialized as if it had 784 gets a
// signal about six times too small; scaling by each unit's *actual* fan-in (GSE, RigL's "sparse" init) fixes that.
using Sprout.Core;

namespace Sprout.Sparse;

/// <summary>How sparse weights are initialized.</summary>
public enum SparseInitMode
{
    /// <summary>U(±gain·√(3/fan_in_actual(row))): each output unit scaled by its live inputs (default).</summary>
    FanInAware,

    /// <summary>U(±1/√fan_in_dense), PyTorch's dense Linear default, ignoring the mask (the usual masked baseline).</summary>
    Dense,

    /// <summary>
    /// U(±gain·√(3/fan_in_dense)): the dense layer's own init variance (He's for a conv), then masked, as RigL's and
    /// sparse_learning's CIFAR code start. Live weights are larger than <see cref="FanInAware"/>'s by √(1/density); under
    /// BatchNorm the function is the same and only the step size relative to the weights differs.
    /// </summary>
    DenseFanIn,
}

/// <summary>Sparsity-aware initializers over CSR rows.</summary>
public static class SparseInit
{
    /// <summary>Fills the value of every active entry of <paramref name="topology"/> into <paramref name="values"/> (CSR order).</summary>
    public static void Fill(CsrMatrix topology, Span<float> values, Rng rng, SparseInitMode mode = SparseInitMode.FanInAware, float gain = 1f)
    {
        if (values.Length != topology.Nnz) throw new ArgumentException($"values has {values.Length} elements, the topology {topology.Nnz}.", nameof(values));
        var rp = topology.RowPointers;
        float denseBound = 1f / MathF.Sqrt(Math.Max(topology.Cols, 1));
        for (int r = 0; r < topology.Rows; r++)
        {
            int start = rp[r], end = rp[r + 1];
            float bound = mode switch
            {
                SparseInitMode.Dense => denseBound,
                SparseInitMode.DenseFanIn => gain * MathF.Sqrt(3f / Math.Max(topology.Cols, 1)),
                _ => gain * MathF.Sqrt(3f / Math.Max(end - start, 1)),
            };
            for (int p = start; p < end; p++) values[p] = rng.Uniform(-bound, bound);
        }
    }

    /// <summary>Fills a bias [Rows] with U(±bound(row)), the bound matching <see cref="Fill"/> for that row.</summary>
    public static void FillBias(CsrMatrix topology, Span<float> bias, Rng rng, SparseInitMode mode = SparseInitMode.FanInAware)
    {
        if (bias.Length != topology.Rows) throw new ArgumentException($"bias has {bias.Length} elements, the topology {topology.Rows} rows.", nameof(bias));
        for (int r = 0; r < topology.Rows; r++)
        {
            float b = mode is SparseInitMode.Dense or SparseInitMode.DenseFanIn ? 1f / MathF.Sqrt(Math.Max(topology.Cols, 1)) : MathF.Sqrt(3f / Math.Max(topology.RowLength(r), 1));
            bias[r] = rng.Uniform(-b, b);
        }
    }
}
