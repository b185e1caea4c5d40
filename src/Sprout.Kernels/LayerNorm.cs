// Layer normalization over the last axis (Ba, Kiros & Hinton 2016), affine, as PyTorch's nn.LayerNorm:
// y = (x − μ)/√(σ² + ε)·γ + β per row, with the biased variance. The forward saves μ and 1/√(σ² + ε) per row;
// the backward recomputes x̂ from x in chunks through a stack buffer, so nothing of row size is stored or allocated.
// Large inputs are shared among threads: the forward and the input gradient by rows, the γ/β gradients (sums over
// rows) by column blocks, each adding its rows in order, so results do not depend on the thread count.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>LayerNorm over the rows of a row-major [rows × cols] matrix, with per-column scale γ and shift β.</summary>
public static class LayerNorm
{
    private const int Chunk = 256;
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
            var job = new ForwardJob(px, pg, pb, py, pm, pr, rows, cols, epsilon);
            if ((long)rows * cols < ParallelElements || Parallelism.Threads == 1) job.Range(0, rows);
            else Parallelism.For(job.Parts, job);
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
            if (wantDx)
            {
                var job = new InputGradientJob(pdy, px, pg, pm, pr, pdx, rows, cols);
                if (parallel) Parallelism.For(job.Parts, job);
                else job.Range(0, rows);
            }
            if (wantParams)
            {
                var job = new ParameterGradientJob(pdy, px, pm, pr, pdg, pdb, rows, cols);
                if (parallel) Parallelism.For(job.Parts, job);
                else for (int part = 0; part < job.Parts; part++) job.Execute(part);
            }
        }
    }

    /// <summary>dx by rows: Σ g and Σ g·x̂ per row, then dx += ρ·(g − mean(g) − x̂·mean(g·x̂)).</summary>
    private readonly unsafe struct InputGradientJob(float* dy, float* x, float* gamma, float* mean, float* rstd, float* dx, int rows, int cols)
        : IParallelJob
    {
        public int Parts => Math.Max(1, Math.Min(rows, (int)((long)rows * cols / ElementsPerPart)));

        public void Execute(int part) => Range(Parallelism.ShareStart(rows, part, Parts), Parallelism.ShareStart(rows, part + 1, Parts));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Simd.Run: tiering may never reach this loop
        [SkipLocalsInit]
        public void Range(int r0, int r1)
        {
            Span<float> xhat = stackalloc float[Chunk], g = stackalloc float[Chunk];
            var gm = new ReadOnlySpan<float>(gamma, cols);
            for (int r = r0; r < r1; r++)
            {
                var xr = new ReadOnlySpan<float>(x + (nint)r * cols, cols);
                var dyr = new ReadOnlySpan<float>(dy + (nint)r * cols, cols);
                var dxr = new Span<float>(dx + (nint)r * cols, cols);
                float mu = mean[r], rho = rstd[r];
                double sumG = 0, sumGx = 0;
                for (int c = 0; c < cols; c += Chunk)
                {
                    int len = Math.Min(Chunk, cols - c);
                    var xh = Normalized(xr.Slice(c, len), mu, rho, xhat[..len]);
                    var gc = g[..len];
                    TensorPrimitives.Multiply(dyr.Slice(c, len), gm.Slice(c, len), gc);
                    sumG += TensorPrimitives.Sum(gc);
                    sumGx += TensorPrimitives.Dot(gc, xh);
                }
                float a = (float)(sumG / cols), b = (float)(sumGx / cols);
                for (int c = 0; c < cols; c += Chunk)
                {
                    int len = Math.Min(Chunk, cols - c);
                    var xh = Normalized(xr.Slice(c, len), mu, rho, xhat[..len]);
                    var gc = g[..len];
                    TensorPrimitives.Multiply(dyr.Slice(c, len), gm.Slice(c, len), gc);
                    TensorPrimitives.Subtract(gc, a, gc);
                    TensorPrimitives.MultiplyAdd(xh, -b, gc, gc);
                    var d = dxr.Slice(c, len);
                    TensorPrimitives.MultiplyAdd(gc, rho, d, d);
                }
            }
        }
    }

    /// <summary>dγ and dβ by blocks of columns, each summing the rows in order (a block is at most one chunk wide).</summary>
    private readonly unsafe struct ParameterGradientJob(float* dy, float* x, float* mean, float* rstd, float* dGamma, float* dBeta, int rows, int cols)
        : IParallelJob
    {
        // Blocks of 64 columns give a 128-wide row four parts to share; narrower blocks would split cache lines.
        private const int Block = 64;

        public int Parts => (cols + Block - 1) / Block;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        public void Execute(int part)
        {
            int c0 = part * Block, len = Math.Min(Block, cols - c0);
            Span<float> xhat = stackalloc float[Block];
            var xh = xhat[..len];
            var dg = new Span<float>(dGamma + c0, len);
            var db = new Span<float>(dBeta + c0, len);
            for (int r = 0; r < rows; r++)
            {
                var dyc = new ReadOnlySpan<float>(dy + (nint)r * cols + c0, len);
                Normalized(new ReadOnlySpan<float>(x + (nint)r * cols + c0, len), mean[r], rstd[r], xh);
                TensorPrimitives.MultiplyAdd(dyc, xh, dg, dg);
                TensorPrimitives.Add(db, dyc, db);
            }
        }
    }

    /// <summary>x̂ = (x − μ)·ρ into <paramref name="destination"/>, which it returns.</summary>
    private static Span<float> Normalized(ReadOnlySpan<float> x, float mu, float rho, Span<float> destination)
    {
        TensorPrimitives.Subtract(x, mu, destination);
        TensorPrimitives.Multiply(destination, rho, destination);
        return destination;
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

    private readonly unsafe struct ForwardJob(float* x, float* gamma, float* beta, float* y, float* mean, float* rstd, int rows, int cols, float epsilon)
        : IParallelJob
    {
        public int Parts => Math.Max(1, Math.Min(rows, (int)((long)rows * cols / ElementsPerPart)));

        public void Execute(int part) => Range(Parallelism.ShareStart(rows, part, Parts), Parallelism.ShareStart(rows, part + 1, Parts));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        public void Range(int r0, int r1)
        {
            Span<float> t = stackalloc float[Chunk];
            var g = new ReadOnlySpan<float>(gamma, cols);
            var b = new ReadOnlySpan<float>(beta, cols);
            for (int r = r0; r < r1; r++)
            {
                var xr = new ReadOnlySpan<float>(x + (nint)r * cols, cols);
                var yr = new Span<float>(y + (nint)r * cols, cols);
                float mu = TensorPrimitives.Sum(xr) / cols;
                double squares = 0;   // Σ (x − μ)², two-pass so a large mean does not cancel the variance away
                for (int c = 0; c < cols; c += Chunk)
                {
                    var tc = t[..Math.Min(Chunk, cols - c)];
                    TensorPrimitives.Subtract(xr.Slice(c, tc.Length), mu, tc);
                    squares += TensorPrimitives.SumOfSquares(tc);
                }
                float rho = 1f / MathF.Sqrt((float)(squares / cols) + epsilon);
                mean[r] = mu;
                rstd[r] = rho;
                TensorPrimitives.Subtract(xr, mu, yr);          // x may alias y: read through once, in order
                TensorPrimitives.Multiply(yr, rho, yr);
                TensorPrimitives.MultiplyAdd(yr, g, b, yr);
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
