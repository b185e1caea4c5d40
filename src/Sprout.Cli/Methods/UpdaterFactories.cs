// UpdaterFactories: builds the topology updaters whose options come from settings (GSE's γ, DST-EE's c, bonus, ε and
// normalization, the always-sparse sparse momentum's pool), so MethodRegistry's rows stay one line each.
using Sprout.Cli.Config;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Cli.Methods;

/// <summary>Settings → updater factories for the methods of the seed papers.</summary>
internal static class UpdaterFactories
{
    /// <summary>GSE with the given candidate distribution, --gse-subset and --gse-scope.</summary>
    public static ITopologyUpdater Gse(TrainSettings s, CandidateDistribution distribution) =>
        new Gse(distribution, (float)s.GseSubset, scope: s.GseScope == "global" ? TopologyScope.Global : TopologyScope.Layer);

    /// <summary>DST-EE with --dst-ee-c, --dst-ee-bonus, --dst-ee-epsilon, --dst-ee-normalize, sampled candidates of size --gse-subset.</summary>
    public static ITopologyUpdater DstEe(TrainSettings s) =>
        new DstEe((float)s.DstEeC, s.DstEeBonus == "ucb" ? ExplorationBonus.Ucb : ExplorationBonus.Linear, (float)s.DstEeEpsilon,
            s.DstEeNormalize, new CandidateSampler(CandidateDistribution.Uniform, (float)s.GseSubset));

    /// <summary>Sparse momentum (always-sparse pool variant on CSR layers; dense momentum growth on masked ones), --snfs-redistribute.</summary>
    public static ITopologyUpdater SparseMomentum(TrainSettings s) =>
        new SparseMomentum((float)s.SnfsPoolMomentum, new CandidateSampler(CandidateDistribution.Uniform, (float)s.GseSubset), s.SnfsRedistribute);

    /// <summary>SNFS's schedule: --snfs-prune-rate cosine-decayed over the run, an update at every epoch end.</summary>
    public static UpdateSchedule SnfsSchedule(TrainSettings s, int stepsPerEpoch) =>
        Sprout.Sparse.Topology.Methods.SparseMomentum.DefaultSchedule(stepsPerEpoch, s.Epochs, (float)s.SnfsPruneRate);

    /// <summary>GraBo/GraEst read the layer's cached batch, which only CSR layers keep.</summary>
    /// <exception cref="UsageException">--layer-kind masked.</exception>
    public static void NeedsCsr(TrainSettings s)
    {
        if (s.LayerKind != "csr")
            throw new UsageException($"--method {s.Method} samples from the layer's last batch, which only --layer-kind csr keeps; use csr or --method gse.");
    }
}
