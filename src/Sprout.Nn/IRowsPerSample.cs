// IRowsPerSample: a model whose weight layers run on several rows per sample says how many, so a per-sample FLOP
// count is right without the layers knowing the model. A ViT's Linear layers see B·N token rows for B images (the
// patch embedding N patches, the blocks N tokens, the head one pooled row); an MLP or a conv net needs nothing.
namespace Sprout.Nn;

/// <summary>A model that applies some of its descendant layers to more than one row per sample.</summary>
public interface IRowsPerSample
{
    /// <summary>Rows per sample that <paramref name="layer"/> (a descendant module) runs on; 1 for a layer it does not know.</summary>
    int RowsPerSample(Module layer);
}
