// Layer normalization over the last axis (Ba, Kiros & Hinton 2016), affine, as PyTorch's nn.LayerNorm:
// y = (x − μ)/√(σ² + ε)·γ + β per row, with the biased variance. The forward saves μ and 1/√(σ² + ε) per row;
// the backward recomputes x̂ from x, so nothing of row size is stored or allocated. Rows are swept in vectors of
// the widest accelerated ISimd width (Simd.cs) with a float tail: at the ViT's 128-wide rows, per-row calls into span
// primitives (a dozen per row before) cost more than the arithmetic.
// Large inputs are shared among threads: the forward and the input gradient by rows, the γ/β gradients (sums over
// rows) by column blocks, each adding its rows in order, so results do not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>LayerNorm over the rows of a row-major [rows × cols] matrix, with per-column scale γ and shift β.</summary>
public static class LayerNorm
{
    private const long ParallelElements = 1 << 16;
    private const int ElementsPerPart = 1 << 14;

    /// <summary>
    /// y[r, ·] = (x[r, ·] − μ_r)·ρ_r ⊙ γ + β with μ_r the row mean and ρ_r = 1/√(var_r + ε) (biased variance);
    /// writes μ_r to <paramref name="mean"/> and ρ_r to <paramref name="rstd"/> (rows entries each) for the backward.
    /// </summary>
    /// <remarks>y may be x itself (in place), but the backward needs the input, so only when no gradient is wanted.</remarks>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> rstd, int rows, int cols, float epsilon = 1e-5f)
    {
        Validate(x.Length, y.Length, gamma.Length, beta.Length, mean.Length, rstd.Length, rows, cols, "y");
        if (!(epsilon > 0)) throw new ArgumentException($"LayerNorm's epsilon must be positive, got {epsilon}.", nameof(epsilon));
        if ((long)rows * cols == 0)
        {
            if (cols == 0) { mean[..rows].Clear(); rstd[..rows].Fill(1f / MathF.Sqrt(epsilon)); }
            return;
        }
        fixed (float* px = x, pg = gamma, pb = beta, py = y, pm = mean, pr = rstd)
        {
            bool parallel = (long)rows * cols >= ParallelElements && Parallelism.Threads > 1;
            if (Vector512.IsHardwareAccelerated) Run(new ForwardJob<Vector512<float>, V512>(px, pg, pb, py, pm, pr, rows, cols, epsilon), parallel);
            else if (Vector256.IsHardwareAccelerated) Run(new ForwardJob<Vector256<float>, V256>(px, pg, pb, py, pm, pr, rows, cols, epsilon), parallel);
            else if (Vector128.IsHardwareAccelerated) Run(new ForwardJob<Vector128<float>, V128>(px, pg, pb, py, pm, pr, rows, cols, epsilon), parallel);
            else Run(new ForwardJob<float, V1>(px, pg, pb, py, pm, pr, rows, cols, epsilon), parallel);
        }
    }

    /// <summary>
    /// With x̂ = (x − μ)·ρ and g = dy ⊙ γ: dx[r, ·] += ρ_r·(g − mean(g) − x̂·mean(g ⊙ x̂)), dγ += Σ_r dy ⊙ x̂, dβ += Σ_r dy
    /// (all accumulate). x, μ and ρ are the forward's input and saved statistics. Pass an empty span for a gradient
    /// that is not wanted (dx, or dγ and dβ together).
    /// </summary>
    /// <remarks>
    /// Two sweeps, each shared among threads when large: dx by rows, then dγ and dβ by column blocks, each column
    /// summing its rows in order, so the result does not depend on the thread count.
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static unsafe void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dGamma, Span<float> dBeta, int rows, int cols)
    {
        bool wantDx = !dx.IsEmpty, wantParams = !dGamma.IsEmpty || !dBeta.IsEmpty;
        Validate(x.Length, wantDx ? dx.Length : x.Length, gamma.Length, gamma.Length, mean.Length, rstd.Length, rows, cols, "dx");
        Simd.RequireLength(checked(rows * cols), dy.Length, nameof(dy));
        if (wantParams)
        {
            Simd.RequireLength(cols, dGamma.Length, nameof(dGamma));
            Simd.RequireLength(cols, dBeta.Length, nameof(dBeta));
        }
        if ((long)rows * cols == 0) return;
        bool parallel = (long)rows * cols >= ParallelElements && Parallelism.Threads > 1;
        fixed (float* pdy = dy, px = x, pg = gamma, pm = mean, pr = rstd, pdx = dx, pdg = dGamma, pdb = dBeta)
        {
            if (wantDx) InputGradient(pdy, px, pg, pm, pr, pdx, rows, cols, parallel);
            if (wantParams) ParameterGradient(pdy, px, pm, pr, pdg, pdb, rows, cols, parallel);
        }
    }

    /// <summary>Runs the input-gradient job at the widest accelerated width.</summary>
    private static unsafe void InputGradient(float* dy, float* x, float* gamma, float* mean, float* rstd, float* dx, int rows, int cols, bool parallel)
    {
        if (Vector512.IsHardwareAccelerated) Run(new InputGradientJob<Vector512<float>, V512>(dy, x, gamma, mean, rstd, dx, rows, cols), parallel);
        else if (Vector256.IsHardwareAccelerated) Run(new InputGradientJob<Vector256<float>, V256>(dy, x, gamma, mean, rstd, dx, rows, cols), parallel);
        else if (Vector128.IsHardwareAccelerated) Run(new InputGradientJob<Vector128<float>, V128>(dy, x, gamma, mean, rstd, dx, rows, cols), parallel);
        else Run(new InputGradientJob<float, V1>(dy, x, gamma, mean, rstd, dx, rows, cols), parallel);
    }

    /// <summary>Runs the γ/β gradient job at the widest accelerated width.</summary>
    private static unsafe void ParameterGradient(float* dy, float* x, float* mean, float* rstd, float* dGamma, float* dBeta, int rows, int cols, bool parallel)
    {
        if (Vector512.IsHardwareAccelerated) Run(new ParameterGradientJob<Vector512<float>, V512>(dy, x, mean, rstd, dGamma, dBeta, rows, cols), parallel);
        else if (Vector256.IsHardwareAccelerated) Run(new ParameterGradientJob<Vector256<float>, V256>(dy, x, mean, rstd, dGamma, dBeta, rows, cols), parallel);
        else if (Vector128.IsHardwareAccelerated) Run(new ParameterGradientJob<Vector128<float>, V128>(dy, x, mean, rstd, dGamma, dBeta, rows, cols), parallel);
        else Run(new ParameterGradientJob<float, V1>(dy, x, mean, rstd, dGamma, dBeta, rows, cols), parallel);
    }

    private interface IPartedJob : IParallelJob
    {
        int Parts { get; }
    }

    private static void Run<TJob>(in TJob job, bool parallel) where TJob : struct, IPartedJob
    {
        if (parallel) Parallelism.For(job.Parts, job);
        else for (int part = 0; part < job.Parts; part++) job.Execute(part);
    }

    /// <summary>
    /// dx by rows, two sweeps of a row in vectors of width TV (then single floats for the tail): Σ g and Σ g·(x − μ)
    /// with g = dy ⊙ γ, then dx += ρ·g − ρ·mean(g) − ρ³·(x − μ)·mean(g·(x − μ)), which is ρ·(g − mean(g) − x̂·mean(g·x̂)).
    /// Whole rows in registers and L1, with no calls per row: at ViT widths (128) the per-call overhead of span
    /// primitives cost more than the arithmetic.
    /// </summary>
    private readonly unsafe struct InputGradientJob<TV, V>(float* dy, float* x, float* gamma, float* mean, float* rstd, float* dx, int rows, int cols)
        : IPartedJob where TV : struct where V : struct, ISimd<TV>
    {
        public int Parts => Math.Max(1, Math.Min(rows, (int)((long)rows * cols / ElementsPerPart)));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Simd.Run: tiering may never reach this loop
        public void Execute(int part)
        {
            int r1 = Parallelism.ShareStart(rows, part + 1, Parts), w = V.Count;
            for (int r = Parallelism.ShareStart(rows, part, Parts); r < r1; r++)
            {
                float* xr = x + (nint)r * cols, dyr = dy + (nint)r * cols, dxr = dx + (nint)r * cols;
                float mu = mean[r], rho = rstd[r];
                TV vmu = V.Splat(mu), sg = V.Splat(0), sgx = sg;
                int c = 0;
                for (; c + w <= cols; c += w)
                {
                    TV g = V.Mul(V.Load(ref dyr[c], 0), V.Load(ref gamma[c], 0));
                    sg = V.Add(sg, g);
                    sgx = V.MultiplyAdd(g, V.Sub(V.Load(ref xr[c], 0), vmu), sgx);
                }
                float sumG = V.Sum(sg), sumGx = V.Sum(sgx);
                for (; c < cols; c++)
                {
                    float g = dyr[c] * gamma[c];
                    sumG += g;
                    sumGx += g * (xr[c] - mu);
                }
                float a = rho * sumG / cols, b = rho * rho * rho * sumGx / cols;
                TV vrho = V.Splat(rho), va = V.Splat(-a), vb = V.Splat(-b);
                for (c = 0; c + w <= cols; c += w)
                {
                    TV g = V.Mul(V.Load(ref dyr[c], 0), V.Load(ref gamma[c], 0));
                    TV t = V.MultiplyAdd(vb, V.Sub(V.Load(ref xr[c], 0), vmu), V.MultiplyAdd(vrho, g, va));
                    V.Store(V.Add(V.Load(ref dxr[c], 0), t), ref dxr[c], 0);
                }
                for (; c < cols; c++) dxr[c] += rho * dyr[c] * gamma[c] - a - b * (xr[c] - mu);
            }
        }
    }

    /// <summary>
    /// dγ and dβ by blocks of columns, each summing the rows in order: a block is four vectors of width TV, whose
    /// partial sums stay in registers over all rows (a narrower last block runs a vector, then a float, at a time).
    /// </summary>
    private readonly unsafe struct ParameterGradientJob<TV, V>(float* dy, float* x, float* mean, float* rstd, float* dGamma, float* dBeta, int rows, int cols)
        : IPartedJob where TV : struct where V : struct, ISimd<TV>
    {
        private static int Block => 4 * V.Count;

        public int Parts => (cols + Block - 1) / Block;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part)
        {
            int c0 = part * Block, c1 = Math.Min(cols, c0 + Block), w = V.Count;
            if (c1 - c0 == Block)
            {
                TV g0 = V.Splat(0), g1 = g0, g2 = g0, g3 = g0, b0 = g0, b1 = g0, b2 = g0, b3 = g0;
                for (int r = 0; r < rows; r++)
                {
                    float* xr = x + (nint)r * cols + c0, dyr = dy + (nint)r * cols + c0;
                    TV mu = V.Splat(mean[r]), rho = V.Splat(rstd[r]);
                    TV d0 = V.Load(ref dyr[0], 0), d1 = V.Load(ref dyr[w], 0), d2 = V.Load(ref dyr[2 * w], 0), d3 = V.Load(ref dyr[3 * w], 0);
                    g0 = V.MultiplyAdd(d0, V.Mul(V.Sub(V.Load(ref xr[0], 0), mu), rho), g0);
                    g1 = V.MultiplyAdd(d1, V.Mul(V.Sub(V.Load(ref xr[w], 0), mu), rho), g1);
                    g2 = V.MultiplyAdd(d2, V.Mul(V.Sub(V.Load(ref xr[2 * w], 0), mu), rho), g2);
                    g3 = V.MultiplyAdd(d3, V.Mul(V.Sub(V.Load(ref xr[3 * w], 0), mu), rho), g3);
                    b0 = V.Add(b0, d0); b1 = V.Add(b1, d1); b2 = V.Add(b2, d2); b3 = V.Add(b3, d3);
                }
                AddTo(dGamma + c0, g0, g1, g2, g3);
                AddTo(dBeta + c0, b0, b1, b2, b3);
                return;
            }
            int c = c0;
            for (; c + w <= c1; c += w)
            {
                TV g = V.Splat(0), b = g;
                for (int r = 0; r < rows; r++)
                {
                    TV d = V.Load(ref dy[(nint)r * cols + c], 0);
                    g = V.MultiplyAdd(d, V.Mul(V.Sub(V.Load(ref x[(nint)r * cols + c], 0), V.Splat(mean[r])), V.Splat(rstd[r])), g);
                    b = V.Add(b, d);
                }
                V.Store(V.Add(V.Load(ref dGamma[c], 0), g), ref dGamma[c], 0);
                V.Store(V.Add(V.Load(ref dBeta[c], 0), b), ref dBeta[c], 0);
            }
            for (; c < c1; c++)
            {
                float g = 0, b = 0;
                for (int r = 0; r < rows; r++)
                {
                    float d = dy[(nint)r * cols + c];
                    g += d * ((x[(nint)r * cols + c] - mean[r]) * rstd[r]);
                    b += d;
                }
                dGamma[c] += g;
                dBeta[c] += b;
            }
        }

        private static void AddTo(float* o, TV v0, TV v1, TV v2, TV v3)
        {
            int w = V.Count;
            V.Store(V.Add(V.Load(ref o[0], 0), v0), ref o[0], 0);
            V.Store(V.Add(V.Load(ref o[w], 0), v1), ref o[w], 0);
            V.Store(V.Add(V.Load(ref o[2 * w], 0), v2), ref o[2 * w], 0);
            V.Store(V.Add(V.Load(ref o[3 * w], 0), v3), ref o[3 * w], 0);
        }
    }

    private static void Validate(int xLength, int yLength, int gammaLength, int betaLength, int meanLength, int rstdLength, int rows, int cols, string output)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Sizes must be non-negative (rows={rows}, cols={cols}).");
        int size = checked(rows * cols);
        Simd.RequireLength(size, xLength, "x");
        Simd.RequireLength(size, yLength, output);
        Simd.RequireLength(cols, gammaLength, "gamma");
        Simd.RequireLength(cols, betaLength, "beta");
        Simd.RequireLength(rows, meanLength, "mean");
        Simd.RequireLength(rows, rstdLength, "rstd");
    }

    /// <summary>
    /// Three sweeps of a row in vectors of width TV, then single floats for the tail: Σ x, Σ (x − μ)² (two-pass, so a
    /// large mean does not cancel the variance away), and y = (x − μ)·ρ ⊙ γ + β. No calls per row (see InputGradientJob).
    /// </summary>
    private readonly unsafe struct ForwardJob<TV, V>(float* x, float* gamma, float* beta, float* y, float* mean, float* rstd, int rows, int cols, float epsilon)
        : IPartedJob where TV : struct where V : struct, ISimd<TV>
    {
        public int Parts => Math.Max(1, Math.Min(rows, (int)((long)rows * cols / ElementsPerPart)));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part)
        {
            int r1 = Parallelism.ShareStart(rows, part + 1, Parts), w = V.Count;
            for (int r = Parallelism.ShareStart(rows, part, Parts); r < r1; r++)
            {
                float* xr = x + (nint)r * cols, yr = y + (nint)r * cols;
                TV acc = V.Splat(0);
                int c = 0;
                for (; c + w <= cols; c += w) acc = V.Add(acc, V.Load(ref xr[c], 0));
                float sum = V.Sum(acc);
                for (; c < cols; c++) sum += xr[c];
                float mu = sum / cols;
                TV vmu = V.Splat(mu);
                acc = V.Splat(0);
                for (c = 0; c + w <= cols; c += w)
                {
                    TV d = V.Sub(V.Load(ref xr[c], 0), vmu);
                    acc = V.MultiplyAdd(d, d, acc);
                }
                float squares = V.Sum(acc);
                for (; c < cols; c++) squares += (xr[c] - mu) * (xr[c] - mu);
                float rho = 1f / MathF.Sqrt(squares / cols + epsilon);
                mean[r] = mu;
                rstd[r] = rho;
                TV vrho = V.Splat(rho);
                for (c = 0; c + w <= cols; c += w)   // x may alias y: each vector is read before it is written
                    V.Store(V.MultiplyAdd(V.Mul(V.Sub(V.Load(ref xr[c], 0), vmu), vrho), V.Load(ref gamma[c], 0), V.Load(ref beta[c], 0)), ref yr[c], 0);
                for (; c < cols; c++) yr[c] = (xr[c] - mu) * rho * gamma[c] + beta[c];
            }
        }
    }

    /// <summary>Reference loops (statistics in double).</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="LayerNorm.Forward"/>
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
            Span<float> mean, Span<float> rstd, int rows, int cols, float epsilon = 1e-5f)
        {
            for (int r = 0; r < rows; r++)
            {
                int o = r * cols;
                double mu = 0, v = 0;
                for (int c = 0; c < cols; c++) mu += x[o + c];
                mu /= Math.Max(cols, 1);
                for (int c = 0; c < cols; c++) v += (x[o + c] - mu) * (x[o + c] - mu);
                double rho = 1 / Math.Sqrt(v / Math.Max(cols, 1) + epsilon);
                mean[r] = (float)mu;
                rstd[r] = (float)rho;
                for (int c = 0; c < cols; c++) y[o + c] = (float)((x[o + c] - mu) * rho * gamma[c] + beta[c]);
            }
        }

        /// <inheritdoc cref="LayerNorm.Backward"/>
        public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
            ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dGamma, Span<float> dBeta, int rows, int cols)
        {
            bool wantDx = !dx.IsEmpty, wantParams = !dGamma.IsEmpty || !dBeta.IsEmpty;
            for (int r = 0; r < rows; r++)
            {
                int o = r * cols;
                double sumG = 0, sumGx = 0;
                for (int c = 0; c < cols; c++)
                {
                    double xh = (x[o + c] - mean[r]) * (double)rstd[r], g = (double)dy[o + c] * gamma[c];
                    sumG += g;
                    sumGx += g * xh;
                    if (!wantParams) continue;
                    dGamma[c] += (float)(dy[o + c] * xh);
                    dBeta[c] += dy[o + c];
                }
                for (int c = 0; wantDx && c < cols; c++)
                {
                    double xh = (x[o + c] - mean[r]) * (double)rstd[r], g = (double)dy[o + c] * gamma[c];
                    dx[o + c] += (float)(rstd[r] * (g - sumG / cols - xh * sumGx / cols));
                }
            }
        }
    }
}
