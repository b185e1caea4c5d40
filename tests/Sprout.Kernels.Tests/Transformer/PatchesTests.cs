// Patchify against its scalar reference on odd image and patch sizes, and a hand-checked token order.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class PatchesTests
{
    [Theory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(2, 3, 8, 8, 4)]
    [InlineData(3, 2, 6, 9, 3)]
    [InlineData(1, 3, 5, 5, 5)]
    [InlineData(0, 3, 4, 4, 2)]
    public void ExtractAndBackwardMatchScalar(int batch, int channels, int height, int width, int patch)
    {
        int size = batch * channels * height * width;
        var images = Shapes.Random(size, 1);
        float[] tE = new float[size], tA = new float[size];
        Patches.Scalar.Extract(images, tE, batch, channels, height, width, patch);
        Patches.Extract(images, tA, batch, channels, height, width, patch);
        Assert.Equal(tE, tA);
        float[] dE = Shapes.Random(size, 2), dA = (float[])dE.Clone();
        Patches.Scalar.ExtractBackward(tE, dE, batch, channels, height, width, patch);
        Patches.ExtractBackward(tE, dA, batch, channels, height, width, patch);
        Assert.Equal(dE, dA);
    }

    [Fact]
    public void TokenFeaturesRunOverRowColumnThenChannel()
    {
        // One 2-channel 2×4 image in 2×2 patches: token 1 is the right patch; features (p1, p2, c) with c fastest.
        float[] image = [0, 1, 2, 3, 4, 5, 6, 7, /* channel 1: */ 10, 11, 12, 13, 14, 15, 16, 17];
        var tokens = new float[16];
        Patches.Extract(image, tokens, 1, 2, 2, 4, 2);
        Assert.Equal(new float[] { 2, 12, 3, 13, 6, 16, 7, 17 }, tokens.AsSpan(8).ToArray());
        Assert.Throws<ArgumentException>(() => Patches.Extract(image, tokens, 1, 2, 2, 4, 3));
    }
}
