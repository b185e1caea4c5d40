// MethodRegistry: the only map from --method names to TrainingMethod instances.
using Sprout.Sparse.Topology.Methods;

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
        new SparseMethod("gse", "GSE (Heddes et al. 2024): magnitude drop, growth by |gradient| on a uniformly sampled candidate subset (always-sparse)",
            configured: s => UpdaterFactories.Gse(s, CandidateDistribution.Uniform)),
        new SparseMethod("gse-grabo", "GSE with GraBo candidate sampling (gradient upper bound)",
            configured: s => UpdaterFactories.Gse(s, CandidateDistribution.GraBo), check: UpdaterFactories.NeedsCsr),
        new SparseMethod("gse-graest", "GSE with GraEst candidate sampling (gradient estimate)",
            configured: s => UpdaterFactories.Gse(s, CandidateDistribution.GraEst), check: UpdaterFactories.NeedsCsr),
        new SparseMethod("dst-ee", "DST-EE (Huang et al. 2022): growth by |gradient| + c x exploration bonus on sampled candidates",
            configured: UpdaterFactories.DstEe),
        new SnfsMethod(),
        new SparseMethod("snfs-sparse", "sparse momentum, Sprout's always-sparse variant: pool momentum on CSR layers, epoch-end updates, budget redistribution across layers (--snfs-redistribute)",
            configured: UpdaterFactories.SparseMomentum, schedule: UpdaterFactories.SnfsSchedule),
        new TopKastMethod(),
        new SpartanMethod(),
        new SparseMethod("snip", "SNIP (Lee et al. 2019): static mask from |g*w| on one batch", pruning: Sprout.Training.Sparsity.PruningCriterion.Snip),
        new SparseMethod("grasp", "GraSP (Wang et al. 2020): static mask from w*(Hg), finite-difference Hg", pruning: Sprout.Training.Sparsity.PruningCriterion.Grasp),
        new SparseMethod("synflow", "SynFlow (Tanaka et al. 2020): data-free iterative static mask", pruning: Sprout.Training.Sparsity.PruningCriterion.SynFlow),
        new SparseMethod("magnitude", "one-shot magnitude pruning of the initial weights; with --mask-from, of a trained dense run rewound to its initial weights (lottery ticket)", pruning: Sprout.Training.Sparsity.PruningCriterion.Magnitude),
        new SparseMethod("gmp", "gradual magnitude pruning (Zhu & Gupta 2017), dense training with a cubic schedule", gmp: true),
    ];

    /// <summary>The method with this name.</summary>
    /// <exception cref="UsageException">No method has that name; the message lists the valid ones.</exception>
    public static TrainingMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name.ToLowerInvariant())
        ?? throw new UsageException($"Unknown method '{name}'; valid: {string.Join(", ", All.Select(m => m.Name))}.");
}
