// Model builders. A builder describes an architecture once and asks an ILayerFactory for every weight layer by its
// module path, so the same builder gives a dense, always-sparse (CSR), masked, Top-KAST or pruned model, and a
// RecordingLayerFactory learns its layer shapes for density allocation. The CLI maps model specs ("mlp:300,100")
// onto these; library users call them directly. A path is where the layer sits in the module tree ("1" is
// Sequential child 1), which is also the name its parameters, densities and table rows get.
using System.Globalization;
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Standard architectures.</summary>
public static class Models
{
    /// <summary>
    /// Flatten → (Linear → ReLU) per hidden size → Linear to <paramref name="classes"/> logits, with weight layers from
    /// <paramref name="factory"/> at paths "1", "3", "5", …. LeNet-300-100 is <c>Mlp(784, [300, 100], 10, factory)</c>.
    /// With <paramref name="fuseSparseChains"/> (the default) consecutive CSR layers fuse their ReLU and keep activations
    /// feature-major between each other (<see cref="SparseModels.FuseSparseChains"/>); the function is the same.
    /// </summary>
    /// <exception cref="ArgumentException">A non-positive size.</exception>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int classes, ILayerFactory factory, bool fuseSparseChains = true)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var layers = new List<Module> { new Flatten() };
        int width = inputs;
        for (int l = 0; l <= hidden.Count; l++)
        {
            int outF = l < hidden.Count ? hidden[l] : classes;
            layers.Add(factory.Linear(layers.Count.ToString(CultureInfo.InvariantCulture), width, outF));
            if (l < hidden.Count) layers.Add(new Relu());
            width = outF;
        }
        return new Sequential(fuseSparseChains ? SparseModels.FuseSparseChains(layers) : [.. layers]);
    }

    /// <summary>A dense MLP (<see cref="DenseLayerFactory"/>): W, b ~ U(±1/√in), drawn from <paramref name="rng"/> layer by layer.</summary>
    public static Sequential Mlp(int inputs, IReadOnlyList<int> hidden, int classes, Rng rng) =>
        Mlp(inputs, hidden, classes, new DenseLayerFactory(rng));
}
