// MethodRegistry: the only map from --method names to TrainingMethod instances.
namespace Sprout.Cli.Methods;

/// <summary>Known training methods.</summary>
public static class MethodRegistry
{
    /// <summary>All methods, in help order.</summary>
    public static IReadOnlyList<TrainingMethod> All { get; } =
    [
        new DenseMethod(),
        new SparseMethod("static", "static sparse training: a fixed random mask at --density/--distribution"),
        new SparseMethod("set", "SET (Mocanu et al. 2018): magnitude drop, random growth", () => new Sprout.Sparse.Topology.Methods.Set()),
        new SparseMethod("rigl", "RigL (Evci et al. 2020): magnitude drop, growth by |dense gradient| (streamed)", () => new Sprout.Sparse.Topology.Methods.RigL()),
        new SparseMethod("snip", "SNIP (Lee et al. 2019): static mask from |g*w| on one batch", pruning: Sprout.Training.Sparsity.PruningCriterion.Snip),
        new SparseMethod("grasp", "GraSP (Wang et al. 2020): static mask from w*(Hg), finite-difference Hg", pruning: Sprout.Training.Sparsity.PruningCriterion.Grasp),
        new SparseMethod("synflow", "SynFlow (Tanaka et al. 2020): data-free iterative static mask", pruning: Sprout.Training.Sparsity.PruningCriterion.SynFlow),
        new SparseMethod("magnitude", "one-shot magnitude pruning of the initial weights", pruning: Sprout.Training.Sparsity.PruningCriterion.Magnitude),
        new SparseMethod("gmp", "gradual magnitude pruning (Zhu & Gupta 2017), dense training with a cubic schedule", gmp: true),
    ];

    /// <summary>The method with this name.</summary>
    /// <exception cref="UsageException">No method has that name; the message lists the valid ones.</exception>
    public static TrainingMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name.ToLowerInvariant())
        ?? throw new UsageException($"Unknown method '{name}'; valid: {string.Join(", ", All.Select(m => m.Name))}.");
}
