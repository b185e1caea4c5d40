// ModuleTree: walks a module tree with paths, so code that needs "every layer of type T" (pruning, GMP, Spartan,
// tables) finds layers nested at any depth (blocks, stages) instead of scanning one flat Sequential.
namespace Sprout.Nn;

/// <summary>Path-aware traversal of a module tree.</summary>
public static class ModuleTree
{
    /// <summary>Every module under <paramref name="model"/> (itself first, path "") with its dotted path, depth first in registration order.</summary>
    public static IEnumerable<(string Path, Module Module)> NamedModules(this Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", model));
        while (stack.Count > 0)
        {
            var (path, m) = stack.Pop();
            yield return (path, m);
            var children = m.Children;
            for (int i = children.Count - 1; i >= 0; i--)
                stack.Push((path.Length == 0 ? children[i].Name : path + "." + children[i].Name, children[i].Module));
        }
    }

    /// <summary>
    /// Paths of the weight layers that have no live weight (nnz 0): no signal passes them, so a network with one cannot
    /// learn past it. Pruning at initialization can leave such a layer at high sparsity (layer collapse).
    /// </summary>
    public static IEnumerable<string> EmptyWeightLayers(this Module model) =>
        model.NamedModules().Where(m => m.Module is IDescribedLayer d && d.Describe().Nnz == 0).Select(m => m.Path);

    /// <summary>The modules of type <typeparamref name="T"/> under <paramref name="model"/> with their paths, in forward (registration) order.</summary>
    public static (string Path, T Layer)[] LayersOf<T>(this Module model) where T : class =>
        model.NamedModules().Where(p => p.Module is T).Select(p => (p.Path, (T)(object)p.Module)).ToArray();
}
