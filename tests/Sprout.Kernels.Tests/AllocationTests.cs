// Every kernel, called again with the same shapes after a warm-up, allocates nothing on the calling thread:
// a training step built from them can keep GC.GetAllocatedBytesForCurrentThread() unchanged.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

[Collection(ThreadsCollection.Name)]
public sealed class AllocationTests
{
    [Fact]
    public void KernelsAllocateNothingInSteadyState()
    {
        const int rows = 32, cols = 300, n = rows * cols;
        var x = Shapes.Random(n, 1);
        var y = new float[n];
        var dy = Shapes.Random(n, 2);
        var dx = new float[n];
        var bias = Shapes.Random(cols, 3);
        var labels = Enumerable.Range(0, rows).Select(r => r % cols).ToArray();
        var arg = new int[rows];
        var window = new Window2d(3, 3, 2, 2, 1, 1);
        var image = Shapes.Random(3 * 16 * 16, 4);
        var columns = new float[3 * 9 * window.OutputHeight(16) * window.OutputWidth(16)];
        var pooled = new float[3 * window.OutputHeight(16) * window.OutputWidth(16)];
        var pooledArg = new int[pooled.Length];
        var gemmC = new float[rows * rows];
        var wide = Shapes.Random(128 * 784, 5); // from 65,536 elements a transpose is shared among threads
        var wideT = new float[wide.Length];

        void Step()
        {
            Activations.Relu(x, y);
            Activations.ReluBackward(y, dy, dx);
            Activations.Tanh(x, y);
            Activations.TanhBackward(y, dy, dx);
            Activations.Sigmoid(x, y);
            Activations.SigmoidBackward(y, dy, dx);
            Activations.Swish(x, y, 1.5f);
            Activations.SwishBackward(x, dy, dx, 1.5f);
            Bias.AddRows(y, bias, rows, cols);
            Bias.AddRowsBackward(dy, bias, rows, cols);
            Losses.SoftmaxCrossEntropy(x, labels, dx, rows, cols, 0.1f);
            Reductions.ArgMaxRows(x, arg, rows, cols);
            Reductions.SumOfSquares(x);
            Transpose.Matrix(x, y, rows, cols);
            Transpose.Matrix(wide, wideT, 128, 784);
            Elementwise.Add(x, dy, y);
            Elementwise.Accumulate(x, y);
            Elementwise.Multiply(x, dy, y);
            Elementwise.MultiplyAccumulate(x, dy, y);
            Elementwise.Scale(x, 0.5f, y);
            Elementwise.Axpy(0.5f, x, y);
            Convolution.Im2Col(image, columns, 3, 16, 16, window);
            Convolution.Col2Im(columns, image, 3, 16, 16, window);
            Pooling.MaxPool2d(image, pooled, pooledArg, 3, 16, 16, window);
            Pooling.MaxPool2dBackward(pooled, pooledArg, image, 3, 16, 16, window);
            Gemm.Multiply(x, dy, gemmC, rows, rows, cols, transB: true);
        }

        Step();
        Assert.Equal(0, Allocations.OnceSettled(Step, calls: 2));
    }
}
