// Patchify for a vision transformer: images [B, C, H, W] (batch-major) → token rows [B·N, p·p·C], N = (H/p)·(W/p),
// in simple_vit's order 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)': token (i, j) of an image is patch row i, column j,
// and its features run over (p1, p2, c) with c fastest. A permutation, so the backward is the inverse scatter.
namespace Sprout.Kernels;

/// <summary>Non-overlapping square patches of a batch of images as token rows.</summary>
public static class Patches
{
    /// <summary>
    /// tokens[(b·Hp + i)·Wp + j, (p1·p + p2)·C + c] = images[b, c, i·p + p1, j·p + p2] with Hp = H/p, Wp = W/p.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, H or W is not a multiple of p, or a span is too short.</exception>
    public static void Extract(ReadOnlySpan<float> images, Span<float> tokens, int batch, int channels, int height, int width, int patch)
    {
        Validate(images.Length, tokens.Length, batch, channels, height, width, patch);
        int hp = height / patch, wp = width / patch, cols = patch * patch * channels;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < wp; j++)
                {
                    var row = tokens.Slice(((b * hp + i) * wp + j) * cols, cols);
                    for (int c = 0; c < channels; c++)
                    {
                        var plane = images.Slice((b * channels + c) * height * width, height * width);
                        for (int p1 = 0; p1 < patch; p1++)
                        {
                            var line = plane.Slice((i * patch + p1) * width + j * patch, patch);
                            for (int p2 = 0; p2 < patch; p2++) row[(p1 * patch + p2) * channels + c] = line[p2];
                        }
                    }
                }
    }

    /// <summary>dImages[b, c, i·p + p1, j·p + p2] += dTokens[(b·Hp + i)·Wp + j, (p1·p + p2)·C + c] (accumulates).</summary>
    /// <exception cref="ArgumentException">A size is not positive, H or W is not a multiple of p, or a span is too short.</exception>
    public static void ExtractBackward(ReadOnlySpan<float> dTokens, Span<float> dImages, int batch, int channels, int height, int width, int patch)
    {
        Validate(dImages.Length, dTokens.Length, batch, channels, height, width, patch);
        int hp = height / patch, wp = width / patch, cols = patch * patch * channels;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < wp; j++)
                {
                    var row = dTokens.Slice(((b * hp + i) * wp + j) * cols, cols);
                    for (int c = 0; c < channels; c++)
                    {
                        var plane = dImages.Slice((b * channels + c) * height * width, height * width);
                        for (int p1 = 0; p1 < patch; p1++)
                        {
                            var line = plane.Slice((i * patch + p1) * width + j * patch, patch);
                            for (int p2 = 0; p2 < patch; p2++) line[p2] += row[(p1 * patch + p2) * channels + c];
                        }
                    }
                }
    }

    private static void Validate(int imagesLength, int tokensLength, int batch, int channels, int height, int width, int patch)
    {
        if (batch < 0 || channels <= 0 || height <= 0 || width <= 0 || patch <= 0)
            throw new ArgumentException($"Patchify needs positive sizes (batch={batch}, channels={channels}, height={height}, width={width}, patch={patch}).");
        if (height % patch != 0 || width % patch != 0)
            throw new ArgumentException($"Patch size {patch} does not divide the {height}×{width} image; choose a patch size that divides both sides.");
        Simd.RequireLength(checked(batch * channels * height * width), imagesLength, "images");
        Simd.RequireLength(checked(batch * channels * height * width), tokensLength, "tokens");
    }

    /// <summary>Reference loops: one element at a time, indexed from the output side.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Patches.Extract"/>
        public static void Extract(ReadOnlySpan<float> images, Span<float> tokens, int batch, int channels, int height, int width, int patch)
        {
            int hp = height / patch, wp = width / patch, cols = patch * patch * channels;
            for (int t = 0; t < batch * hp * wp; t++)
                for (int f = 0; f < cols; f++)
                {
                    int b = t / (hp * wp), i = t / wp % hp, j = t % wp, p1 = f / (patch * channels), p2 = f / channels % patch, c = f % channels;
                    tokens[t * cols + f] = images[((b * channels + c) * height + i * patch + p1) * width + j * patch + p2];
                }
        }

        /// <inheritdoc cref="Patches.ExtractBackward"/>
        public static void ExtractBackward(ReadOnlySpan<float> dTokens, Span<float> dImages, int batch, int channels, int height, int width, int patch)
        {
            int hp = height / patch, wp = width / patch, cols = patch * patch * channels;
            for (int t = 0; t < batch * hp * wp; t++)
                for (int f = 0; f < cols; f++)
                {
                    int b = t / (hp * wp), i = t / wp % hp, j = t % wp, p1 = f / (patch * channels), p2 = f / channels % patch, c = f % channels;
                    dImages[((b * channels + c) * height + i * patch + p1) * width + j * patch + p2] += dTokens[t * cols + f];
                }
        }
    }
}
