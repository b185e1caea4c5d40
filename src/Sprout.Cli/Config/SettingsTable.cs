// SettingsTable: the list of `sprout train` keys. Adding a setting (e.g. a sparse method's --density) is
// one line here plus a property on TrainSettings; flags, YAML keys, config.yaml and summary.json's
// "config" all come from this list.
namespace Sprout.Cli.Config;

/// <summary>All keys `sprout train` accepts, in help order.</summary>
public static class SettingsTable
{
    /// <summary>Optimizer names.</summary>
    public static readonly string[] Optimizers = ["sgd", "adam", "adamw"];

    /// <summary>Learning-rate schedule names.</summary>
    public static readonly string[] Schedules = ["constant", "step", "multistep", "cosine"];

    /// <summary>Input normalization names.</summary>
    public static readonly string[] Normalizations = ["none", "train", "published"];

    /// <summary>Layer-wise density distributions.</summary>
    public static readonly string[] Distributions = ["uniform", "er", "erk"];

    /// <summary>Sparse layer implementations.</summary>
    public static readonly string[] LayerKinds = ["csr", "masked"];

    /// <summary>Initial scales of randomly initialized sparse layers.</summary>
    public static readonly string[] SparseInits = ["fan-in", "dense-fan-in"];

    /// <summary>Drop-fraction decays.</summary>
    public static readonly string[] Decays = ["cosine", "linear", "constant"];

    /// <summary>DST-EE bonus forms.</summary>
    public static readonly string[] DstEeBonuses = ["linear", "ucb"];

    /// <summary>GSE selection scopes.</summary>
    public static readonly string[] GseScopes = ["layer", "global"];

    /// <summary>Top-KAST penalty forms.</summary>
    public static readonly string[] TopKastPenalties = ["squared", "abs"];

    /// <summary>Top-KAST reservoir forms.</summary>
    public static readonly string[] TopKastReservoirs = ["dense", "compact"];

    /// <summary>Spartan allocations.</summary>
    public static readonly string[] SpartanAllocations = ["global", "uniform", "erk"];

    /// <summary>Training recipes.</summary>
    public static readonly string[] Recipes = ["none", "tost"];

    /// <summary>The settings.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        Setting.Text("data", "Dataset name (see `sprout data list`)", "NAME", s => s.Data, (s, v) => s.Data = v!),
        Setting.Text("data-dir", "Directory with the dataset files (default: $SPROUT_DATA, ./data, or shared/data above)", "DIR",
            s => s.DataDir, (s, v) => s.DataDir = v, nullable: true),
        Setting.Text("model", "Model spec: mlp:H1,H2,..., linear, lenet5, vgg16, resnet20|32|56, resnet18, wrn-D-K, vit:patch=4,dim=128,depth=6,heads=4,mlp=256, vit-tiny (input shape and classes come from the dataset)", "SPEC",
            s => s.Model, (s, v) => s.Model = v!),
        Setting.Text("method", "Training method: dense, static, set, rigl, snip, grasp, synflow, magnitude, gmp, gse, gse-grabo, gse-graest, dst-ee, snfs, snfs-sparse, topkast, spartan", "NAME", s => s.Method, (s, v) => s.Method = v!.ToLowerInvariant()),
        Setting.Number("density", "Sparse methods: overall density, the kept fraction of weights", 0, 1, s => s.Density, (s, v) => s.Density = v,
            minExclusive: true),
        Setting.Choice("distribution", "Sparse methods: layer-wise density distribution", Distributions, s => s.Distribution, (s, v) => s.Distribution = v),
        Setting.Bool("dense-first-layer", "Sparse methods (not gmp, spartan): keep the first weight layer (a conv net's stem, a ViT's patch embedding) dense, outside the --density budget (as RigL); SNIP, GraSP and SynFlow then rank the other layers",
            s => s.DenseFirstLayer, (s, v) => s.DenseFirstLayer = v),
        Setting.Bool("dense-last-layer", "Sparse methods: keep the last weight layer (the classifier) dense, outside the --density budget (as RigL)",
            s => s.DenseLastLayer, (s, v) => s.DenseLastLayer = v),
        Setting.Choice("layer-kind", "Sparse methods: csr (always-sparse) or masked (dense weights x mask)", LayerKinds, s => s.LayerKind, (s, v) => s.LayerKind = v),
        Setting.Choice("sparse-init", "static, drop/grow methods: initial weights scaled by each unit's live fan-in (fan-in) or by the dense layer's (dense-fan-in: the dense init, then masked, as RigL's code)",
            SparseInits, s => s.SparseInit, (s, v) => s.SparseInit = v),
        Setting.Int("update-every", "Dynamic methods: steps between topology updates", 1, s => s.UpdateEvery, (s, v) => s.UpdateEvery = v),
        Setting.Number("end-fraction", "Dynamic methods: fraction of training after which the topology stops changing", 0, 1,
            s => s.EndFraction, (s, v) => s.EndFraction = v),
        Setting.Number("drop-fraction", "Dynamic methods: initial fraction of connections replaced per update", 0, 1,
            s => s.DropFraction, (s, v) => s.DropFraction = v),
        Setting.Choice("decay", "Dynamic methods: decay of the drop fraction", Decays, s => s.Decay, (s, v) => s.Decay = v),
        Setting.Number("gse-subset", "GSE, DST-EE, snfs-sparse: candidate subset size as a multiple of each layer's nnz (gamma)", 0, 1e6,
            s => s.GseSubset, (s, v) => s.GseSubset = v, minExclusive: true),
        Setting.Choice("gse-scope", "GSE: drop/grow selection per layer, or one global ranking over all layers (per-layer nnz then drifts)", GseScopes,
            s => s.GseScope, (s, v) => s.GseScope = v),
        Setting.Number("dst-ee-c", "DST-EE: exploration strength c (0 = RigL on the same candidates)", 0, 1e6, s => s.DstEeC, (s, v) => s.DstEeC = v),
        Setting.Choice("dst-ee-bonus", "DST-EE: bonus form", DstEeBonuses, s => s.DstEeBonus, (s, v) => s.DstEeBonus = v),
        Setting.Number("dst-ee-epsilon", "DST-EE: epsilon in N + epsilon", 0, 1e6, s => s.DstEeEpsilon, (s, v) => s.DstEeEpsilon = v, minExclusive: true),
        Setting.Bool("dst-ee-normalize", "DST-EE: normalize |gradient| by its per-layer mean over the candidates", s => s.DstEeNormalize, (s, v) => s.DstEeNormalize = v),
        Setting.Number("snfs-prune-rate", "snfs, snfs-sparse: initial prune rate p0, cosine-decayed, updates at epoch ends", 0, 1,
            s => s.SnfsPruneRate, (s, v) => s.SnfsPruneRate = v),
        Setting.Bool("snfs-redistribute", "snfs, snfs-sparse: move the freed budget between layers by mean |momentum| at each update (the paper)",
            s => s.SnfsRedistribute, (s, v) => s.SnfsRedistribute = v),
        Setting.Number("snfs-pool-momentum", "snfs-sparse: momentum of the sampled candidate pool's gradient EMA", 0, 1,
            s => s.SnfsPoolMomentum, (s, v) => s.SnfsPoolMomentum = v, maxExclusive: true),
        Setting.OptionalNumber("topkast-backward", "Top-KAST: backward extra M, B = top-(D+M) (default: M = each layer's D)", 0,
            s => s.TopKastBackward, (s, v) => s.TopKastBackward = v),
        Setting.Int("topkast-refresh", "Top-KAST: steps between refreshes of the forward/backward sets", 1, s => s.TopKastRefresh, (s, v) => s.TopKastRefresh = v),
        Setting.Number("topkast-lambda", "Top-KAST: penalty λ on its weights (gradient 2λθ on A, 2λθ/D on B\\A; the optimizer's weight decay skips them)", 0, 1,
            s => s.TopKastLambda, (s, v) => s.TopKastLambda = v),
        Setting.Choice("topkast-penalty", "Top-KAST: regularizer penalty", TopKastPenalties, s => s.TopKastPenalty, (s, v) => s.TopKastPenalty = v),
        Setting.Choice("topkast-reservoir", "Top-KAST: dense reservoir (as published) or compact (only entries that left B; same results, less memory)",
            TopKastReservoirs, s => s.TopKastReservoir, (s, v) => s.TopKastReservoir = v),
        Setting.Number("spartan-beta", "Spartan: final beta of the soft top-k (starts at 1)", 1, 1e6, s => s.SpartanBeta, (s, v) => s.SpartanBeta = v),
        Setting.Number("spartan-warmup", "Spartan: fraction of training over which the kept fraction falls to --density", 0, 1,
            s => s.SpartanWarmup, (s, v) => s.SpartanWarmup = v),
        Setting.Number("spartan-finetune", "Spartan: final fraction of training with the mask frozen", 0, 1,
            s => s.SpartanFinetune, (s, v) => s.SpartanFinetune = v),
        Setting.Choice("spartan-allocation", "Spartan: budget allocation across layers", SpartanAllocations, s => s.SpartanAllocation, (s, v) => s.SpartanAllocation = v),
        Setting.Text("spartan-block", "Spartan: block shape RxC (1x1 = unstructured)", "RxC", s => s.SpartanBlock, (s, v) => s.SpartanBlock = v!),
        Setting.Int("epochs", "Passes over the training set", 1, s => s.Epochs, (s, v) => s.Epochs = v),
        Setting.Int("batch-size", "Samples per step", 1, s => s.BatchSize, (s, v) => s.BatchSize = v),
        Setting.OptionalInt("limit-train-batches", "Train on only the first N batches of each epoch (a short run for smoke tests and measurements; schedules span the shortened epochs)", 1,
            s => s.LimitTrainBatches, (s, v) => s.LimitTrainBatches = v),
        Setting.OptionalInt("limit-eval-batches", "Evaluate on only the first N batches of the test and validation splits (batches of --batch-size)", 1,
            s => s.LimitEvalBatches, (s, v) => s.LimitEvalBatches = v),
        Setting.OptionalNumber("lr", "Peak learning rate (default: 0.1 for sgd, 0.001 for adam/adamw)", 0, s => s.Lr, (s, v) => s.Lr = v,
            minExclusive: true),
        Setting.Choice("optimizer", "Optimizer", Optimizers, s => s.Optimizer, (s, v) => s.Optimizer = v),
        Setting.Number("momentum", "SGD momentum", 0, 1, s => s.Momentum, (s, v) => s.Momentum = v, maxExclusive: true),
        Setting.Bool("nesterov", "Nesterov momentum for SGD", s => s.Nesterov, (s, v) => s.Nesterov = v),
        Setting.OptionalNumber("weight-decay", "Weight decay (default: 5e-4 for sgd, 0 for adam, 0.01 for adamw)", 0,
            s => s.WeightDecay, (s, v) => s.WeightDecay = v),
        Setting.Choice("schedule", "Learning-rate schedule", Schedules, s => s.Schedule, (s, v) => s.Schedule = v),
        Setting.MilestoneList("milestones", "Epochs (42,84) or fractions of the run (0.42,0.84) at which multistep decays the rate (default: 0.5,0.75)",
            s => s.Milestones, (s, v) => s.Milestones = v),
        Setting.Number("gamma", "Decay factor of step/multistep", 0, 1, s => s.Gamma, (s, v) => s.Gamma = v, minExclusive: true),
        Setting.OptionalInt("step-size", "Epochs between decays of the step schedule (default: a third of the run)", 1,
            s => s.StepSize, (s, v) => s.StepSize = v),
        Setting.Number("warmup-epochs", "Epochs of linear learning-rate warmup", 0, double.PositiveInfinity,
            s => s.WarmupEpochs, (s, v) => s.WarmupEpochs = v),
        Setting.Number("label-smoothing", "Label smoothing of the loss", 0, 1, s => s.LabelSmoothing, (s, v) => s.LabelSmoothing = v,
            maxExclusive: true),
        Setting.Text("mask-from", "magnitude: keep the largest |w| of this trained dense run's checkpoint, per layer by --distribution, starting from that run's initial weights (one-shot lottery ticket)",
            "CHECKPOINT", s => s.MaskFrom, (s, v) => s.MaskFrom = v, nullable: true),
        Setting.Choice("recipe", "Training recipe: tost = --ghost-neurons --ghost-skips (residual nets) --lrsi --label-smoothing-anneal, smoothing 0.1 unless given (docs/tost.md)",
            Recipes, s => s.Recipe, (s, v) => s.Recipe = v),
        Setting.Bool("ghost-neurons", "ToST: ReLUs train as x*sigmoid(beta x), beta 1 -> 100 geometrically, exact ReLU from the switch epoch",
            s => s.GhostNeurons, (s, v) => s.GhostNeurons = v),
        Setting.Bool("ghost-skips", "ToST: dense 1x1 conv + BN ghost paths in each residual block, alpha 1 -> 0 (cosine), removed at the switch epoch",
            s => s.GhostSkips, (s, v) => s.GhostSkips = v),
        Setting.Bool("lrsi", "ToST: layer-wise rescaled init (GradInit on the masked net: Adam 1e-2, 180 iterations, clip 1) before training", s => s.Lrsi, (s, v) => s.Lrsi = v),
        Setting.Int("lrsi-iterations", "ToST: Adam iterations of --lrsi", 1, s => s.LrsiIterations, (s, v) => s.LrsiIterations = v),
        Setting.Number("lrsi-step", "ToST: norm eta of the normalised SGD step whose outcome --lrsi minimises", 0, 10, s => s.LrsiStep, (s, v) => s.LrsiStep = v,
            minExclusive: true),
        Setting.Bool("lrsi-fixed-direction", "ToST: --lrsi differentiates with the step direction held fixed, as the released GradInit/ToST code (no Hessian term; half the passes)",
            s => s.LrsiFixedDirection, (s, v) => s.LrsiFixedDirection = v),
        Setting.Bool("label-smoothing-anneal", "ToST: anneal --label-smoothing to 0 (cosine) by the switch epoch",
            s => s.LabelSmoothingAnneal, (s, v) => s.LabelSmoothingAnneal = v),
        Setting.Number("tost-switch", "ToST: switch epoch as a fraction of --epochs (at least epoch 1)", 0, 1, s => s.TostSwitch, (s, v) => s.TostSwitch = v,
            minExclusive: true),
        Setting.Number("clip-norm", "Clip the gradient norm to this value (0 = off)", 0, double.PositiveInfinity,
            s => s.ClipNorm, (s, v) => s.ClipNorm = v),
        Setting.Number("validation", "Fraction of the training split held out for validation", 0, 1, s => s.Validation,
            (s, v) => s.Validation = v, maxExclusive: true),
        Setting.Choice("normalize", "Input normalization", Normalizations, s => s.Normalize, (s, v) => s.Normalize = v),
        Setting.Bool("augment", "Random crops (padding 4) and horizontal flips of training images (default: on for cifar10/cifar100, off otherwise)", s => s.Augment, (s, v) => s.Augment = v),
        Setting.UInt64("seed", "Random seed (initialization, shuffling)", s => s.Seed, (s, v) => s.Seed = v),
        Setting.Int("threads", "Compute threads (0 = all cores)", 0, s => s.Threads, (s, v) => s.Threads = v),
        Setting.Bool("deterministic-reduce", "Under mpirun: sum gradients in rank order, bit-identical on every rank (N× the traffic)",
            s => s.DeterministicReduce, (s, v) => s.DeterministicReduce = v),
        Setting.Text("out", "Run directory (default: runs/<name>)", "DIR", s => s.Out, (s, v) => s.Out = v, reproducible: false, nullable: true),
        Setting.Text("name", "Run name under runs/ (default: <data>-<model>-<method>-<time>)", "NAME",
            s => s.Name, (s, v) => s.Name = v, reproducible: false, nullable: true),
        Setting.Bool("overwrite", "Replace an existing run directory", s => s.Overwrite, (s, v) => s.Overwrite = v, reproducible: false),
        Setting.Bool("plain", "Plain line logs instead of progress bars", s => s.Plain, (s, v) => s.Plain = v, reproducible: false),
    ];

    /// <summary>The setting with this key, or null.</summary>
    public static Setting? Find(string key)
    {
        foreach (var s in All)
            if (s.Key == key) return s;
        return null;
    }

    /// <summary>Comma-separated list of valid keys (for error messages).</summary>
    public static string KeyList() => string.Join(", ", All.Select(s => s.Key));
}
