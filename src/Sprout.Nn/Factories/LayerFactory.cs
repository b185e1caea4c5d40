// LayerFactory: the shared base of Sprout's ILayerFactory implementations (dense, CSR, masked, Top-KAST, pruned,
// recording). It holds what every factory does the same way: checking a layer request at the boundary, naming the
// sparse layers it makes by their module path. Each factory overrides CreateLinear and CreateConv2d; a factory
// that cannot build conv layers keeps the default, which says so (NotSupportedException).
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Base class for layer factories: argument checks and layer naming.</summary>
public abstract class LayerFactory : ILayerFactory
{
    /// <inheritdoc/>
    public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear '{path}' needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        return Named(CreateLinear(path, inFeatures, outFeatures, bias), path);
    }

    /// <inheritdoc/>
    public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal)
    {
        ArgumentNullException.ThrowIfNull(path);
        shape.Validate();
        if (!Enum.IsDefined(init)) throw new ArgumentOutOfRangeException(nameof(init), init, $"Unknown conv init for '{path}'.");
        return Named(CreateConv2d(path, shape, bias, init), path);
    }

    /// <summary>Makes the linear layer at <paramref name="path"/> (arguments already checked).</summary>
    protected abstract Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias);

    /// <summary>Makes the conv layer at <paramref name="path"/> (arguments already checked). Default: not supported.</summary>
    /// <exception cref="NotSupportedException">The factory builds no conv layers.</exception>
    protected virtual Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init) =>
        throw new NotSupportedException($"{GetType().Name} cannot build conv layer '{path}' ({shape}); use a factory that builds conv layers (dense, sparse, pruned, Top-KAST).");

    private static Module Named(Module layer, string path)
    {
        if (layer is ISparseLayer sparse) sparse.LayerName = path;
        return layer;
    }
}
