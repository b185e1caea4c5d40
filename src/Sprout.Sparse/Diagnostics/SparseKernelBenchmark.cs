// Kernel-level sparse-vs-dense measurement behind `sprout bench sparse`: one linear layer's forward, input
// gradient, weight gradient and full SGD-momentum step, with the weight in CSR at several densities against the
// same layer dense (Gemm + OptimizerUpdates.Sgd). It measures kernels only: no autograd, no allocation policy.
// Deliberately short: each operation runs at most a few times within a time budget and the best run counts,
// because the machine is shared and the dense reference may be slow. Each side uses whatever threading its
// kernels have (the CSR kernels their own workers, Gemm its own), so this compares the libraries as shipped.
using System.Diagnostics;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse.Diagnostics;

/// <summary>Times sparse (CSR) against dense kernels for one layer shape over a range of densities.</summary>
public static class SparseKernelBenchmark
{
    /// <summary>Operation names used in the report, in the order they are listed per density.</summary>
    public static IReadOnlyList<string> Ops { get; } = ["forward", "input_grad", "weight_grad", "step"];

    /// <summary>
    /// Measures, for each density d, the sparse layer W (outputs×inputs, nnz = round(d·outputs·inputs), uniform
    /// random pattern) with activations feature-major ([features × batch]):
    /// forward Y = W·X (<see cref="Csr.SpMM"/>), input gradient dX = Wᵀ·dY (<see cref="Csr.SpMMTransposed"/>),
    /// weight gradient at the nonzeros (<see cref="Csr.Sddmm"/>), and step = forward, both gradients through the fused
    /// <see cref="Csr.SpMMBackward"/> (what a layer uses when it needs both), and SGD with momentum on the nnz values. The dense reference uses the natural layout, Y[batch×out] = X[batch×in]·Wᵀ, through
    /// <see cref="Gemm.Multiply"/> and <see cref="OptimizerUpdates.Sgd"/>; it does not depend on d, so it is timed
    /// once. Each "step" is timed as one sequence, so it includes what the ops do to each other's caches.
    /// </summary>
    /// <param name="options">Shape, densities and time budget; null for the defaults (4096×4096, batch 256).</param>
    /// <param name="progress">Receives one human-readable line per measured density; may be null.</param>
    /// <exception cref="ArgumentException">A size is not positive, a density is outside (0, 1], or the repetition count is below 1.</exception>
    public static SparseBenchReport Run(SparseBenchOptions? options = null, Action<string>? progress = null)
    {
        options ??= new SparseBenchOptions();
        Validate(options);
        var rng = new Rng(options.Seed);
        var dense = MeasureDense(options, rng);
        progress?.Invoke($"dense {options.Outputs}×{options.Inputs}, batch {options.Batch}: forward {dense[0]:F2} ms, input_grad {dense[1]:F2} ms, " +
                         $"weight_grad {dense[2]:F2} ms, step {dense[3]:F2} ms");
        var rows = new List<SparseBenchResult>();
        foreach (double density in options.Densities)
        {
            double[] sparse = MeasureSparse(options, density, rng);
            for (int i = 0; i < Ops.Count; i++)
                rows.Add(new SparseBenchResult(density, Ops[i], Round(sparse[i]), Round(dense[i]), Round(dense[i] / sparse[i])));
            progress?.Invoke($"density {density}: forward {sparse[0]:F2} ms, input_grad {sparse[1]:F2} ms, weight_grad {sparse[2]:F2} ms, " +
                             $"step {sparse[3]:F2} ms ({dense[3] / sparse[3]:F1}× faster than dense)");
        }
        return new SparseBenchReport(rows);
    }

    /// <summary>Dense forward, input gradient, weight gradient, step (ms).</summary>
    private static double[] MeasureDense(SparseBenchOptions o, Rng rng)
    {
        int nIn = o.Inputs, nOut = o.Outputs, batch = o.Batch;
        float[] w = new float[(long)nOut * nIn], dw = new float[w.Length], velocity = new float[w.Length];
        float[] x = new float[batch * nIn], dx = new float[x.Length], y = new float[batch * nOut], dy = new float[y.Length];
        rng.FillNormal(w, 0, 0.01f);
        rng.FillUniform(x, -1, 1);
        rng.FillUniform(dy, -1, 1);
        void Forward() => Gemm.Multiply(x, w, y, batch, nOut, nIn, transA: false, transB: true, accumulate: false);
        void InputGrad() => Gemm.Multiply(dy, w, dx, batch, nIn, nOut, transA: false, transB: false, accumulate: false);
        void WeightGrad() => Gemm.Multiply(dy, x, dw, nOut, nIn, batch, transA: true, transB: false, accumulate: false);
        double forward = Time(o, Forward), inputGrad = Time(o, InputGrad), weightGrad = Time(o, WeightGrad);
        double step = Time(o, () =>
        {
            Forward();
            InputGrad();
            WeightGrad();
            OptimizerUpdates.Sgd(w, dw, velocity, o.LearningRate, o.Momentum, 0f, false);
        });
        return [forward, inputGrad, weightGrad, step];
    }

    /// <summary>Sparse forward, input gradient, weight gradient, step (ms) at one density.</summary>
    private static double[] MeasureSparse(SparseBenchOptions o, double density, Rng rng)
    {
        int nIn = o.Inputs, nOut = o.Outputs, batch = o.Batch;
        var m = CsrMatrix.RandomWithDensity(nOut, nIn, density, rng);
        rng.FillNormal(m.Values, 0, 0.01f);
        float[] x = new float[nIn * batch], dx = new float[x.Length], y = new float[nOut * batch], dy = new float[y.Length];
        float[] grad = new float[m.Nnz], velocity = new float[m.Nnz];
        rng.FillUniform(x, -1, 1);
        rng.FillUniform(dy, -1, 1);
        void Forward() => Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y, nOut, nIn, batch, accumulate: false);
        void InputGrad() => Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.TransposePermutation, m.Values, dy, dx, nOut, nIn, batch, accumulate: false);
        void WeightGrad() => Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, grad, nOut, nIn, batch, accumulate: false);
        double forward = Time(o, Forward), inputGrad = Time(o, InputGrad), weightGrad = Time(o, WeightGrad);
        double step = Time(o, () =>
        {
            Forward();
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.TransposePermutation, m.Values, x, dy, dx, grad, nOut, nIn, batch,
                accumulateInput: false, accumulateValues: false);
            OptimizerUpdates.Sgd(m.Values, grad, velocity, o.LearningRate, o.Momentum, 0f, false);
        });
        return [forward, inputGrad, weightGrad, step];
    }

    /// <summary>Best wall time in ms over up to MaxRepetitions runs, stopping early once the budget is spent.</summary>
    private static double Time(SparseBenchOptions o, Action run)
    {
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < o.MaxRepetitions && (i == 0 || total.Elapsed < o.BudgetPerOp); i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return best;
    }

    private static double Round(double v) => Math.Round(v, 4);

    private static void Validate(SparseBenchOptions o)
    {
        if (o.Inputs <= 0 || o.Outputs <= 0 || o.Batch <= 0)
            throw new ArgumentException($"Inputs, Outputs and Batch must be positive (were {o.Inputs}, {o.Outputs}, {o.Batch}).", "options");
        if (o.MaxRepetitions < 1) throw new ArgumentException($"MaxRepetitions must be at least 1, was {o.MaxRepetitions}.", "options");
        foreach (double d in o.Densities)
            if (!(d > 0 && d <= 1)) throw new ArgumentException($"Every density must be in (0, 1]; got {d}.", "options");
    }
}
