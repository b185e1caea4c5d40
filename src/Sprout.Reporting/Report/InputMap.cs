// InputMap: input_connections.json: the first layer's live connections per input at the start and at the end.
namespace Sprout.Reporting.Report;

/// <summary>Connections per input feature of the first layer; <see cref="ImageShape"/> ([C, H, W]) when the inputs are pixels.</summary>
public sealed record InputMap(string Layer, int[]? ImageShape, long StartStep, int[] Start, long EndStep, int[] End)
{
    /// <summary>True when the inputs can be drawn as an H × W image (summed over channels).</summary>
    public bool IsImage => ImageShape is [int c, int h, int w] && c * h * w == Start.Length && h > 1 && w > 1;

    /// <summary>Counts summed over channels as [H, W] (row 0 at the top).</summary>
    public double[,] Image(int[] counts)
    {
        if (ImageShape is not [int c, int h, int w]) throw new InvalidOperationException("The inputs have no image shape.");
        var image = new double[h, w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) image[y, x] += counts[(ch * h + y) * w + x];
        return image;
    }
}
