// Moving attention heads between the token layout a Linear produces and the per-head layout batched GEMM wants:
// tokens [B·N, width] (row = one token, a block of h·d columns holds the heads) ⇄ heads [B·h, N, d] (one N×d
// matrix per sample and head). Split takes q, k or v out of a fused qkv projection (width 3·h·d, the block at
// offset part·h·d); merge puts the attention output back as [B·N, h·d] for the output projection. Each is a copy
// of d contiguous floats per (token, head); the backward of one is the other with accumulation. Large moves are
// shared among the kernel threads by sample.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Permutes attention heads between token rows and per-head matrices.</summary>
public static class Heads
{
    /// <summary>
    /// heads[(b·h + j)·N + n, ·] (=|+=) tokens[b·N + n, offset + j·d ..+ d] for the token matrix [B·N × width]
    /// and the head tensor [B·h × N × d] (B = <paramref name="batch"/>, N = <paramref name="count"/>, h = <paramref name="headCount"/>, d = <paramref name="headDim"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, the head block does not fit in the width, or a span is too short.</exception>
    public static unsafe void Split(ReadOnlySpan<float> tokens, Span<float> heads, int batch, int count, int headCount, int headDim,
        int width, int offset, bool accumulate = false)
    {
        Validate(tokens.Length, heads.Length, batch, count, headCount, headDim, width, offset);
        fixed (float* t = tokens, h = heads) Run(new MoveJob(t, h, batch, count, headCount, headDim, width, offset, accumulate, toHeads: true));
    }

    /// <summary>The inverse of <see cref="Split"/>: tokens[b·N + n, offset + j·d ..+ d] (=|+=) heads[(b·h + j)·N + n, ·]; other columns are untouched.</summary>
    /// <exception cref="ArgumentException">A size is negative, the head block does not fit in the width, or a span is too short.</exception>
    public static unsafe void Merge(ReadOnlySpan<float> heads, Span<float> tokens, int batch, int count, int headCount, int headDim,
        int width, int offset, bool accumulate = false)
    {
        Validate(tokens.Length, heads.Length, batch, count, headCount, headDim, width, offset);
        fixed (float* t = tokens, h = heads) Run(new MoveJob(t, h, batch, count, headCount, headDim, width, offset, accumulate, toHeads: false));
    }

    // From this many moved floats (256 KB) the samples are shared among the kernel threads.
    private const long ParallelElements = 1 << 16;

    private static void Run(in MoveJob job)
    {
        if (job.Elements >= ParallelElements && Parallelism.Threads > 1) Parallelism.For(job.Batch, job);
        else for (int b = 0; b < job.Batch; b++) job.Execute(b);
    }

    /// <summary>One sample per index: its N token rows and its h head matrices are disjoint from every other sample's.</summary>
    private readonly unsafe struct MoveJob(float* tokens, float* heads, int batch, int count, int headCount, int headDim, int width, int offset,
        bool accumulate, bool toHeads) : IParallelJob
    {
        public int Batch => batch;
        public long Elements => (long)batch * count * headCount * headDim;

        public void Execute(int b)
        {
            for (int n = 0; n < count; n++)
            {
                float* row = tokens + (nint)(b * count + n) * width + offset;
                for (int j = 0; j < headCount; j++)
                {
                    var t = new Span<float>(row + j * headDim, headDim);
                    var h = new Span<float>(heads + (nint)((b * headCount + j) * count + n) * headDim, headDim);
                    if (toHeads) Move(t, h, accumulate);
                    else Move(h, t, accumulate);
                }
            }
        }
    }

    private static void Move(ReadOnlySpan<float> source, Span<float> destination, bool accumulate)
    {
        if (accumulate) TensorPrimitives.Add(destination, source, destination);
        else source.CopyTo(destination);
    }

    private static void Validate(int tokensLength, int headsLength, int batch, int count, int headCount, int headDim, int width, int offset)
    {
        if (batch < 0 || count < 0 || headCount < 0 || headDim < 0 || width < 0 || offset < 0)
            throw new ArgumentException($"Sizes must be non-negative (batch={batch}, count={count}, heads={headCount}, headDim={headDim}, width={width}, offset={offset}).");
        if ((long)offset + (long)headCount * headDim > width)
            throw new ArgumentException($"{headCount} heads of {headDim} at column {offset} do not fit in rows of width {width}.");
        Simd.RequireLength(checked(batch * count * width), tokensLength, "tokens");
        Simd.RequireLength(checked(batch * headCount * count * headDim), headsLength, "heads");
    }

    /// <summary>Reference loops, one element at a time.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Heads.Split"/>
        public static void Split(ReadOnlySpan<float> tokens, Span<float> heads, int batch, int count, int headCount, int headDim,
            int width, int offset, bool accumulate = false)
        {
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < headCount; j++)
                    for (int n = 0; n < count; n++)
                        for (int e = 0; e < headDim; e++)
                        {
                            float v = tokens[(b * count + n) * width + offset + j * headDim + e];
                            ref float h = ref heads[((b * headCount + j) * count + n) * headDim + e];
                            h = accumulate ? h + v : v;
                        }
        }

        /// <inheritdoc cref="Heads.Merge"/>
        public static void Merge(ReadOnlySpan<float> heads, Span<float> tokens, int batch, int count, int headCount, int headDim,
            int width, int offset, bool accumulate = false)
        {
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < headCount; j++)
                    for (int n = 0; n < count; n++)
                        for (int e = 0; e < headDim; e++)
                        {
                            float v = heads[((b * headCount + j) * count + n) * headDim + e];
                            ref float t = ref tokens[(b * count + n) * width + offset + j * headDim + e];
                            t = accumulate ? t + v : v;
                        }
        }
    }
}
