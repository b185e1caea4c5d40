// Sparse model builders and the bridge from a module tree to the topology machinery (which sees layers only
// through ISparseLayer and knows nothing of modules).
using Sprout.Core;
using Sprout.Sparse;

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
    /// An MLP like <see cref="Models.Mlp"/> whose layer l has density <paramref name="densities"/>[l]
    /// (one entry per weight layer, hidden layers then output; 1 makes that layer a dense <see cref="Linear"/>).
    /// </summary>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int classes, IReadOnlyList<double> densities, Rng rng,
        SparseLayerKind kind = SparseLayerKind.Csr, SparseInitMode init = SparseInitMode.FanInAware)
    {
        if (densities.Count != hidden.Count + 1)
            throw new ArgumentException($"The MLP has {hidden.Count + 1} weight layers but {densities.Count} densities were given.", nameof(densities));
        var net = new Sequential(new Flatten());
        int width = inputs;
        for (int l = 0; l <= hidden.Count; l++)
        {
            int outF = l < hidden.Count ? hidden[l] : classes;
            net.Add(Layer(width, outF, densities[l], rng, kind, init));
            if (l < hidden.Count) net.Add(new Relu());
            width = outF;
        }
        return net.WithSparseLayerNames();
    }

    /// <summary>One linear layer of the given density and kind (dense <see cref="Linear"/> at density 1).</summary>
    public static Module Layer(int inFeatures, int outFeatures, double density, Rng rng, SparseLayerKind kind, SparseInitMode init = SparseInitMode.FanInAware)
    {
        if (density >= 1.0) return new Linear(inFeatures, outFeatures, rng);
        return kind == SparseLayerKind.Csr
            ? new SparseLinear(inFeatures, outFeatures, density, rng, init: init)
            : new MaskedLinear(inFeatures, outFeatures, density, rng, init: init);
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
