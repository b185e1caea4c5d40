// Sparse model builders (over ILayerFactory) and the bridge from a module tree to the topology machinery (which sees layers only
// through ISparseLayer and knows nothing of modules).
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn;

/// <summary>Which sparse layer implementation a builder uses.</summary>
public enum SparseLayerKind
{
    /// <summary><see cref="SparseLinear"/>: CSR storage, cost proportional to nnz.</summary>
    Csr,

    /// <summary><see cref="MaskedLinear"/>: dense weights times a mask, as published research code does.</summary>
    Masked,
}

/// <summary>Builders for sparse networks.</summary>
public static class SparseModels
{
    /// <summary>
    /// An MLP like <see cref="Models.Mlp(int, IReadOnlyList{int}, int, ILayerFactory, bool)"/> whose weight layer l has density
    /// <paramref name="densities"/>[l] (hidden layers then output; 1 makes that layer a dense <see cref="Linear"/>), built by a
    /// <see cref="SparseLayerFactory"/>. With <paramref name="fuseSparseChains"/> (the default) CSR layers fuse their ReLU and keep
    /// activations between each other feature-major (<see cref="FuseSparseChains"/>); the function and its gradients are the same.
    /// </summary>
    /// <exception cref="ArgumentException">The number of densities differs from the number of weight layers.</exception>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int classes, IReadOnlyList<double> densities, Rng rng,
        SparseLayerKind kind = SparseLayerKind.Csr, SparseInitMode init = SparseInitMode.FanInAware, bool fuseSparseChains = true)
    {
        if (densities.Count != hidden.Count + 1)
            throw new ArgumentException($"The MLP has {hidden.Count + 1} weight layers but {densities.Count} densities were given.", nameof(densities));
        var plan = new DensityPlan(RecordingLayerFactory.Record(f => Models.Mlp(inputs, hidden, classes, f)), densities);
        return Models.Mlp(inputs, hidden, classes, new SparseLayerFactory(plan, rng, kind, init), fuseSparseChains).WithSparseLayerNames();
    }

    /// <summary>
    /// Builds a sparse model in the three steps every sparse model takes: record the shapes of <paramref name="build"/>'s
    /// layers, allocate their densities with <paramref name="allocation"/>, and build for real with a <see cref="SparseLayerFactory"/>.
    /// </summary>
    /// <example><code>var model = SparseModels.Build(f => Models.Mlp(784, [300, 100], 10, f), new DensityAllocationOptions(0.05), rng);</code></example>
    /// <exception cref="ArgumentException">The model has no weight layers, or the allocation cannot meet the budget.</exception>
    public static T Build<T>(Func<ILayerFactory, T> build, DensityAllocationOptions allocation, Rng rng,
        SparseLayerKind kind = SparseLayerKind.Csr, SparseInitMode init = SparseInitMode.FanInAware) where T : Module
    {
        var plan = RecordingLayerFactory.Plan(build, allocation);
        return build(new SparseLayerFactory(plan, rng, kind, init)).WithSparseLayerNames();
    }

    /// <summary>
    /// Sets up the sparse layers of a layer list (for a <see cref="Sequential"/>) to skip layout conversions:
    /// a <see cref="SparseLinear"/> followed by a <see cref="Relu"/> applies the ReLU itself, and the Relu's slot gets a
    /// <see cref="FusedRelu"/> (so module paths, parameter and layer names are unchanged) and the layer gets a ReLU epilogue;
    /// a SparseLinear whose next module (after such a slot) is another SparseLinear emits its output feature-major (the
    /// tensor carries that layout, which the next layer reads). So a chain of sparse layers converts
    /// between layouts once at entry and once at exit. Layers other than SparseLinear are left as they are.
    /// </summary>
    /// <returns>The layer list with fused ReLUs replaced; the SparseLinear objects are the given ones, with their options set.</returns>
    public static Module[] FuseSparseChains(IReadOnlyList<Module> layers)
    {
        var result = layers.ToArray();
        SparseLinear? previous = null;
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] is not SparseLinear layer)
            {
                previous = null;
                continue;
            }
            bool relu = i + 1 < result.Length && result[i + 1] is Relu;
            if (relu) result[i + 1] = new FusedRelu();
            // The next sparse layer reads the layout from the tensor, so only the producer's output layout is set.
            if (previous is not null) previous.Options = previous.Options with { Output = Layout.FeatureMajor };
            layer.Options = layer.Options with { Epilogue = relu ? SparseEpilogue.Relu : SparseEpilogue.None };
            previous = layer;
            if (relu) i++;
        }
        return result;
    }

    /// <summary>The sparse layers of a model in forward order, named by their module paths.</summary>
    public static IReadOnlyList<ISparseLayer> SparseLayers(this Module model)
    {
        model.WithSparseLayerNames();
        return model.Modules().OfType<ISparseLayer>().ToArray();
    }

    /// <summary>Sets each sparse layer's <see cref="ISparseLayer.LayerName"/> to its module path; returns the model.</summary>
    public static T WithSparseLayerNames<T>(this T model) where T : Module
    {
        Name(model, "");
        return model;
    }

    private static void Name(Module m, string path)
    {
        if (m is ISparseLayer s) s.LayerName = path;
        foreach (var (name, child) in m.Children) Name(child, path.Length == 0 ? name : path + "." + name);
    }
}
