// DensityPlan: the density of every weight layer of a model, by module path: what a sparse layer factory reads
// when the model builder asks it for the layer at a path. Made from the recorded layer shapes and an allocation
// (uniform, ER, ERK with kernel dims, dense first/last layer), or from explicit densities.
namespace Sprout.Sparse.Allocation;

/// <summary>Per-layer densities keyed by module path, with the shapes they were allocated for.</summary>
public sealed class DensityPlan
{
    private readonly Dictionary<string, double> _byPath = new(StringComparer.Ordinal);

    /// <summary>A plan with <paramref name="densities"/>[l] for <paramref name="layers"/>[l].</summary>
    /// <exception cref="ArgumentException">The counts differ, a density is outside (0, 1], or two layers share a path.</exception>
    public DensityPlan(IReadOnlyList<LayerShape> layers, IReadOnlyList<double> densities)
    {
        if (layers.Count != densities.Count)
            throw new ArgumentException($"The model has {layers.Count} weight layers but {densities.Count} densities were given.", nameof(densities));
        for (int i = 0; i < layers.Count; i++)
        {
            if (!(densities[i] is > 0 and <= 1))
                throw new ArgumentException($"The density of layer '{layers[i].Name}' is {densities[i]}; it must be in (0, 1].", nameof(densities));
            if (!_byPath.TryAdd(layers[i].Name, densities[i]))
                throw new ArgumentException($"Two weight layers share the path '{layers[i].Name}'; give each layer its own module path.", nameof(layers));
        }
        Layers = [.. layers];
        Densities = [.. densities];
    }

    /// <summary>The layers, in build order.</summary>
    public IReadOnlyList<LayerShape> Layers { get; }

    /// <summary>The densities, one per layer in <see cref="Layers"/>.</summary>
    public IReadOnlyList<double> Densities { get; }

    /// <summary>Allocates densities to <paramref name="layers"/> with <see cref="DensityAllocation.Allocate"/>.</summary>
    public static DensityPlan Allocate(IReadOnlyList<LayerShape> layers, DensityAllocationOptions options) =>
        new(layers, DensityAllocation.Allocate(layers, options));

    /// <summary>The density of the layer at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">No layer of the plan has that path (the model differs from the one recorded).</exception>
    public double DensityOf(string path) =>
        _byPath.TryGetValue(path, out double d) ? d
            : throw new ArgumentException($"The density plan has no layer '{path}' (it has {string.Join(", ", _byPath.Keys)}); build the plan from the same model builder.", nameof(path));
}
