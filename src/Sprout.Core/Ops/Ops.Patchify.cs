// Patchify: a batch of images to ViT token rows (see Kernels.Patches for the element order).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// Batch-major images [B, C·H·W] (or [B, C, H, W]) → token rows [B·N, p·p·C], N = (H/p)·(W/p), features in
    /// (p1, p2, c) order as simple_vit's rearrange.
    /// </summary>
    /// <exception cref="ArgumentException">x is feature-major, its size per sample is not C·H·W, or p does not divide H and W.</exception>
    public static Tensor Patchify(Tensor x, int channels, int height, int width, int patch)
    {
        if (x.Layout != Layout.BatchMajor)
            throw new ArgumentException($"Patchify needs batch-major images [B, C·H·W]; got a feature-major {x}. Reorder it first.");
        long perImage = (long)channels * height * width;
        if (perImage <= 0 || x.Size % perImage != 0 || x.Dim(0) * perImage != x.Size)
            throw new ArgumentException($"Patchify of {channels}×{height}×{width} images needs [B, {perImage}]; got {x}.");
        if (patch <= 0 || height % patch != 0 || width % patch != 0)
            throw new ArgumentException($"Patch size {patch} does not divide the {height}×{width} image; choose a patch size that divides both sides.");
        int batch = x.Dim(0), tokens = height / patch * (width / patch);
        Span<int> shape = [batch * tokens, patch * patch * channels];
        var y = Tape.NewOutput(shape);
        Patches.Extract(x.Data, y.Data, batch, channels, height, width, patch);
        if (NeedsGrad(x))
        {
            var node = PatchifyNode.Record(Tape.Current!);
            (node.X, node.Y, node.Channels, node.Height, node.Width, node.Patch) = (x, y, channels, height, width, patch);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class PatchifyNode : Node<PatchifyNode>
    {
        public Tensor X = null!, Y = null!;
        public int Channels, Height, Width, Patch;

        public override void Backward() => Patches.ExtractBackward(Y.Grad, X.Grad, X.Dim(0), Channels, Height, Width, Patch);

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
