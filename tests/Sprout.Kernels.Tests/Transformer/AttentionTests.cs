// Fused attention against its double-precision scalar reference on odd sizes (one token, one head, d = 1, sizes
// that share tasks among threads, every edge of the register tiles), backward accumulation, thread-count
// independence and steady-state allocation.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class AttentionTests
{
    public static TheoryData<int, int, int, int> Cases() => new()
    {
        // batch, tokens, heads, head width
        { 1, 1, 1, 1 }, { 2, 1, 3, 4 }, { 2, 5, 1, 3 }, { 2, 5, 4, 2 }, { 3, 17, 3, 8 }, { 2, 65, 4, 32 }, { 0, 4, 2, 2 },
        // the tiles' edges: 8-, 4- and 1-row blocks (12, 13 tokens), a whole panel plus a ragged one (d = 48), two panels (d = 64)
        { 2, 12, 2, 48 }, { 1, 13, 3, 64 }, { 2, 64, 1, 16 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchScalar(int batch, int tokens, int heads, int headDim)
    {
        int rows = batch * tokens, inner = heads * headDim, pSize = batch * heads * tokens * tokens;
        var qkv = Shapes.Random(rows * 3 * inner, 1, -2f, 2f);
        float[] oE = new float[rows * inner], oA = new float[rows * inner], pE = new float[pSize], pA = new float[pSize];
        Attention.Scalar.Forward(qkv, oE, pE, batch, tokens, heads, headDim);
        Attention.Forward(qkv, oA, pA, batch, tokens, heads, headDim);
        Approx.Equal(pE, pA, 1e-6f, 1e-4f, "weights");
        Approx.Equal(oE, oA, 1e-5f, 1e-4f, "output");

        var dOut = Shapes.Random(rows * inner, 2);
        float[] gE = Shapes.Random(qkv.Length, 3), gA = (float[])gE.Clone();
        Attention.Scalar.Backward(qkv, pE, dOut, gE, batch, tokens, heads, headDim);
        Attention.Backward(qkv, pE, dOut, gA, batch, tokens, heads, headDim);
        Approx.Equal(gE, gA, 1e-5f, 1e-4f, "dQkv");

        float[] wE = Shapes.Random(qkv.Length, 4), wA = Shapes.Random(qkv.Length, 5);   // overwrite: old contents must not matter
        Attention.Scalar.Backward(qkv, pE, dOut, wE, batch, tokens, heads, headDim, accumulate: false);
        Attention.Backward(qkv, pE, dOut, wA, batch, tokens, heads, headDim, accumulate: false);
        Approx.Equal(wE, wA, 1e-5f, 1e-4f, "dQkv overwritten");
    }

    [Fact]
    public void RejectsShortSpans()
    {
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[35], new float[12], new float[18], 2, 3, 2, 1));
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[36], new float[12], new float[17], 2, 3, 2, 1));
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[36], new float[12], new float[18], 2, 0, 2, 1));
    }
}

[Collection(ThreadsCollection.Name)]
public sealed class AttentionThreadingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BitIdenticalForAnyThreadCountAndAllocationFreeOnceWarm(bool featureMajor)
    {
        const int batch = 6, tokens = 33, heads = 3, headDim = 16;
        int rows = batch * tokens, inner = heads * headDim;
        var qkv = Shapes.Random(rows * 3 * inner, 1);
        var dOut = Shapes.Random(rows * inner, 2);
        float[] o = new float[rows * inner], p = new float[batch * heads * tokens * tokens], g = new float[qkv.Length];
        float[]? reference = null;
        void Run()
        {
            if (featureMajor)
            {
                Attention.ForwardFeatureMajor(qkv, o, p, batch, tokens, heads, headDim);
                Attention.BackwardFeatureMajor(qkv, p, dOut, g, batch, tokens, heads, headDim);
            }
            else
            {
                Attention.Forward(qkv, o, p, batch, tokens, heads, headDim);
                Attention.Backward(qkv, p, dOut, g, batch, tokens, heads, headDim);
            }
        }
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                Array.Clear(g);
                Run();
                float[] all = [.. o, .. p, .. g];
                if (reference is null) reference = all;
                else Assert.Equal(reference, all);
            }
            Parallelism.Threads = 2;
            Assert.Equal(0, Allocations.OnceSettled(Run));
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}

public sealed class AttentionFeatureMajorTests
{
    /// <summary>dst [cols × rows] = src [rows × cols]ᵀ.</summary>
    private static float[] T(float[] src, int rows, int cols)
    {
        var dst = new float[src.Length];
        Transpose.Scalar.Matrix(src, dst, rows, cols);
        return dst;
    }

    [Theory]
    [MemberData(nameof(AttentionTests.Cases), MemberType = typeof(AttentionTests))]
    public void MatchesTheScalarReferenceOnTransposedOperands(int batch, int tokens, int heads, int headDim)
    {
        int rows = batch * tokens, inner = heads * headDim, pSize = batch * heads * tokens * tokens;
        var qkv = Shapes.Random(rows * 3 * inner, 11, -2f, 2f);
        float[] oE = new float[rows * inner], pE = new float[pSize], oA = new float[rows * inner], pA = new float[pSize];
        Attention.Scalar.Forward(qkv, oE, pE, batch, tokens, heads, headDim);
        var qkvT = T(qkv, rows, 3 * inner);
        Attention.ForwardFeatureMajor(qkvT, oA, pA, batch, tokens, heads, headDim);
        Approx.Equal(pE, pA, 1e-6f, 1e-4f, "weights");
        Approx.Equal(T(oE, rows, inner), oA, 1e-5f, 1e-4f, "output");

        var dOut = Shapes.Random(rows * inner, 12);
        var dOutT = T(dOut, rows, inner);
        float[] gE = Shapes.Random(qkv.Length, 13), gA = T(gE, rows, 3 * inner);
        Attention.Scalar.Backward(qkv, pE, dOut, gE, batch, tokens, heads, headDim);
        Attention.BackwardFeatureMajor(qkvT, pE, dOutT, gA, batch, tokens, heads, headDim);
        Approx.Equal(T(gE, rows, 3 * inner), gA, 1e-5f, 1e-4f, "dQkv");

        float[] wE = new float[qkv.Length], wA = Shapes.Random(qkv.Length, 14);   // overwrite: old contents must not matter
        Attention.Scalar.Backward(qkv, pE, dOut, wE, batch, tokens, heads, headDim, accumulate: false);
        Attention.BackwardFeatureMajor(qkvT, pE, dOutT, wA, batch, tokens, heads, headDim, accumulate: false);
        Approx.Equal(T(wE, rows, 3 * inner), wA, 1e-5f, 1e-4f, "dQkv overwritten");
    }
}
