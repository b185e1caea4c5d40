// Ghosts: installs and removes ToST's ghost components on a built model (Jaiswal et al., ICML 2022). Ghost soft
// neurons: every ReLU of the model (Relu modules and the activations inside residual blocks) computes x·σ(βx) while
// its GhostBeta is finite. Ghost skip connections: each BasicBlock gets dense GhostSkipPaths until they are removed.
// Both are undone completely: β = +∞ is the ReLU kernel itself, and detached paths leave no parameter, buffer or
// module behind, so a model after the switch saves the same checkpoint tensors as one that never had ghosts.
namespace Sprout.Nn;

/// <summary>Finds, sets and removes ToST ghost components in a model.</summary>
public static class Ghosts
{
    /// <summary>Every ReLU the model computes: Relu modules in its tree and the activations inside residual blocks.</summary>
    public static IReadOnlyList<Relu> Relus(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var relus = new List<Relu>();
        foreach (var m in model.Modules())
        {
            switch (m)
            {
                case Relu r: relus.Add(r); break;
                case BasicBlock b: relus.AddRange(b.Activations); break;
                case WideBasicBlock w: relus.AddRange(w.Activations); break;
            }
        }
        return relus;
    }

    /// <summary>Sets β of every ghost soft neuron (<see cref="Relu.GhostBeta"/>); +∞ makes them ReLUs again.</summary>
    public static void SetBeta(IReadOnlyList<Relu> relus, float beta)
    {
        for (int i = 0; i < relus.Count; i++) relus[i].GhostBeta = beta;
    }

    /// <summary>Attaches ghost skip paths to every BasicBlock of <paramref name="model"/>; returns them (empty when it has none).</summary>
    public static IReadOnlyList<GhostSkipPaths> AttachSkips(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Modules().OfType<BasicBlock>().ToList().Select(b => b.AttachGhosts()).ToList();
    }

    /// <summary>Detaches every ghost skip path of <paramref name="model"/>; returns how many blocks had them.</summary>
    public static int RemoveSkips(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int removed = 0;
        foreach (var block in model.Modules().OfType<BasicBlock>().ToList())
        {
            if (block.Ghosts is null) continue;
            block.DetachGhosts();
            removed++;
        }
        return removed;
    }
}
