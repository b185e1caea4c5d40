// ConvGemm (im2col + GEMM a few images at a time) against the whole-batch scalar reference: forward, weight gradient
// and input gradient on odd sizes, stride 2, padding, batch 1, and batches split into many parts; and the same bits
// for one thread and two (partial weight gradients are added in part order).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

[Collection(ThreadsCollection.Name)]
public sealed class ConvGemmTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        // cin, cout, batch, h, w, k, stride, pad
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 3, 5, 1, 7, 5, 3, 1, 1 },
        { 2, 3, 4, 9, 9, 3, 2, 1 },
        { 3, 16, 9, 32, 32, 3, 1, 1 },   // ~one image per part: nine parts
        { 16, 8, 5, 15, 13, 3, 2, 1 },
        { 4, 6, 7, 12, 12, 5, 1, 2 },
        { 6, 4, 3, 8, 8, 1, 2, 0 },      // strided 1×1 shortcut
        // Stride-1 panel path (ConvPanels): outputs not a multiple of the micro-tile, panels spanning several rows and
        // images, rows wider than a panel, no padding (flipped padding 2 in dx), 1×1, many parts.
        { 16, 13, 3, 16, 16, 3, 1, 1 },
        { 64, 9, 20, 8, 8, 3, 1, 1 },
        { 5, 7, 3, 11, 33, 3, 1, 1 },
        { 3, 4, 2, 9, 10, 3, 1, 0 },
        { 7, 17, 5, 6, 6, 1, 1, 0 },
        { 2, 3, 40, 5, 3, 3, 1, 2 },
        { 16, 8, 40, 32, 32, 3, 1, 1 },  // weight gradient: 40 one-image parts capped to 20 of two
        { 5, 7, 3, 16, 32, 3, 1, 1 },    // weight gradient by dots: 4×6 tiles plus output-channel and tap tails
        { 16, 32, 3, 32, 32, 3, 2, 1 },  // stride 2 on panels: 16-lane even-element gathers
        { 5, 9, 2, 35, 37, 3, 2, 1 },    // stride 2, 19-wide rows: vector gather plus scalar tail
        { 3, 4, 2, 11, 11, 3, 3, 1 },    // stride 3: columns path
        // Tap kernel (AVX-512, whole 8-row panels, stride 1): 16-px rows as two 16-lane runs, 24-px rows mixing tap
        // groups with filled panels, 8-px rows as four 8-lane runs.
        { 8, 16, 3, 16, 16, 3, 1, 1 },
        { 8, 16, 3, 16, 24, 3, 1, 1 },
        { 8, 16, 3, 8, 8, 3, 1, 1 },     // 8-px rows: four 8-lane runs
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScalar(int cin, int cout, int batch, int h, int w, int k, int stride, int pad)
    {
        var win = new Window2d(k, k, stride, stride, pad, pad);
        int fanIn = cin * k * k, ySize = cout * batch * win.OutputHeight(h) * win.OutputWidth(w);
        var x = Shapes.Random(cin * batch * h * w, 1);
        var weight = Shapes.Random(cout * fanIn, 2);
        var (ye, ya) = (new float[ySize], Shapes.Random(ySize, 3));
        ConvGemm.Scalar.Forward(x, weight, ye, cout, cin, batch, h, w, win);
        ConvGemm.Forward(x, weight, ya, cout, cin, batch, h, w, win);
        float tol = 1e-5f * fanIn;
        Approx.Equal(ye, ya, tol, 1e-4f, "y");

        var dy = Shapes.Random(ySize, 4);
        var (dxe, dwe) = (Shapes.Random(x.Length, 5), Shapes.Random(weight.Length, 6));
        var (dxa, dwa) = ((float[])dxe.Clone(), (float[])dwe.Clone());
        ConvGemm.Scalar.Backward(x, weight, dy, dxe, dwe, cout, cin, batch, h, w, win);
        ConvGemm.Backward(x, weight, dy, dxa, dwa, cout, cin, batch, h, w, win);
        Approx.Equal(dxe, dxa, 1e-5f * cout * k * k, 1e-4f, "dx");
        Approx.Equal(dwe, dwa, 1e-5f * ySize / cout, 1e-4f, "dW");

        // overwriteDx: dx holding garbage is written, not added to: the reference's sum into zeros.
        var dxz = new float[x.Length];
        ConvGemm.Scalar.Backward(x, weight, dy, dxz, [], cout, cin, batch, h, w, win);
        var dxo = Shapes.Random(x.Length, 7);
        ConvGemm.Backward(x, weight, dy, dxo, [], cout, cin, batch, h, w, win, overwriteDx: true);
        Approx.Equal(dxz, dxo, 1e-5f * cout * k * k, 1e-4f, "dx overwritten");
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        const int cin = 32, cout = 16, batch = 12, h = 16, w = 16;   // four ConvPanels parts of three images
        var win = new Window2d(3, 3, 1, 1, 1, 1);
        var x = Shapes.Random(cin * batch * h * w, 7);
        var weight = Shapes.Random(cout * cin * 9, 8);
        var dy = Shapes.Random(cout * batch * h * w, 9);
        (float[] Y, float[] Dx, float[] Dw) Run(int threads)
        {
            int saved = Parallelism.Threads;
            Parallelism.Threads = threads;
            try
            {
                var (y, dx, dw) = (new float[dy.Length], new float[x.Length], new float[weight.Length]);
                ConvGemm.Forward(x, weight, y, cout, cin, batch, h, w, win);
                ConvGemm.Backward(x, weight, dy, dx, dw, cout, cin, batch, h, w, win);
                return (y, dx, dw);
            }
            finally { Parallelism.Threads = saved; }
        }
        var (one, two) = (Run(1), Run(2));
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Dw, two.Dw);
    }

    [Theory]
    [InlineData(16, 16)]   // two 16-lane runs
    [InlineData(8, 8)]     // four 8-lane runs
    [InlineData(16, 24)]   // tap groups mixed with filled panels
    public void TapPathGivesThePanelPathsBits(int h, int w)
    {
        // Both paths run the one 8×32 micro-kernel with the same B rows in the same order, so they agree exactly.
        const int cin = 8, cout = 16, batch = 3;
        var win = new Window2d(3, 3, 1, 1, 1, 1);
        var x = Shapes.Random(cin * batch * h * w, 11);
        var weight = Shapes.Random(cout * cin * 9, 12);
        float[] Run(bool taps)
        {
            var y = Shapes.Random(cout * batch * h * w, 13);
            (ConvPanels.TapsEnabled, ConvPanels.TapsOf8Enabled) = (taps, taps);
            try { ConvGemm.Forward(x, weight, y, cout, cin, batch, h, w, win); }
            finally { (ConvPanels.TapsEnabled, ConvPanels.TapsOf8Enabled) = (true, true); }
            return y;
        }
        Assert.Equal(Run(false), Run(true));
    }

    [Fact]
    public void EmptyBatchDoesNothing()
    {
        var win = new Window2d(3, 3, 1, 1, 1, 1);
        var dw = new float[2 * 9];
        ConvGemm.Forward([], new float[18], [], 2, 1, 0, 4, 4, win);
        ConvGemm.Backward([], new float[18], [], [], dw, 2, 1, 0, 4, 4, win);
        Assert.All(dw, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(1)]   // ConvPanels
    [InlineData(2)]   // columns per part
    public void SteadyStateAllocatesNothing(int stride)
    {
        const int cin = 16, cout = 16, batch = 8, h = 16, w = 16;
        var win = new Window2d(3, 3, stride, stride, 1, 1);
        var x = Shapes.Random(cin * batch * h * w, 1);
        var weight = Shapes.Random(cout * cin * 9, 2);
        var y = new float[cout * batch * win.OutputHeight(h) * win.OutputWidth(w)];
        var (dx, dw) = (new float[x.Length], new float[weight.Length]);
        Assert.Equal(0, Allocations.OnceSettled(() =>
        {
            ConvGemm.Forward(x, weight, y, cout, cin, batch, h, w, win);
            ConvGemm.Backward(x, weight, y, dx, dw, cout, cin, batch, h, w, win);
        }));
    }
}
