// TrainSettings: every knob of `sprout train`, with the defaults a user gets when they pass nothing.
// Values arrive from three layers (defaults < --config YAML < command-line flags; a resumed checkpoint's
// settings sit between the defaults and the file). SettingsTable maps the kebab-case keys onto these
// properties, and it is the only place that parses or validates them.
namespace Sprout.Cli.Config;

/// <summary>The resolved settings of a training run.</summary>
public sealed class TrainSettings
{
    /// <summary>Dataset name (see `sprout data list`).</summary>
    public string Data { get; set; } = "digits";
    /// <summary>Directory holding dataset files; null = SPROUT_DATA, ./data, or a shared/data found above.</summary>
    public string? DataDir { get; set; }
    /// <summary>Model spec, e.g. "mlp:300,100".</summary>
    public string Model { get; set; } = "mlp:300,100";
    /// <summary>Training method name (see MethodRegistry; "dense" by default).</summary>
    public string Method { get; set; } = "dense";
    /// <summary>Number of passes over the training split.</summary>
    public int Epochs { get; set; } = 20;
    /// <summary>Samples per optimizer step.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>Batches per training epoch, the first N of the shuffled order; null = all (a short run, as Lightning's limit_train_batches).</summary>
    public int? LimitTrainBatches { get; set; }
    /// <summary>Batches per evaluation pass (test and validation), the first N; null = all.</summary>
    public int? LimitEvalBatches { get; set; }
    /// <summary>Peak learning rate (before the schedule's factor); null = 0.1 for SGD, 0.001 for Adam/AdamW.</summary>
    public double? Lr { get; set; }
    /// <summary>sgd, adam or adamw.</summary>
    public string Optimizer { get; set; } = "sgd";
    /// <summary>SGD momentum (ignored by Adam/AdamW).</summary>
    public double Momentum { get; set; } = 0.9;
    /// <summary>Nesterov momentum for SGD.</summary>
    public bool Nesterov { get; set; } = true;
    /// <summary>L2 weight decay (decoupled for AdamW); null = 5e-4 for SGD, 0 for Adam, 0.01 for AdamW.</summary>
    public double? WeightDecay { get; set; }
    /// <summary>constant, step, multistep or cosine.</summary>
    public string Schedule { get; set; } = "cosine";
    /// <summary>Epochs at which multistep multiplies the rate by <see cref="Gamma"/>; null = 50% and 75% of the run.</summary>
    public double[]? Milestones { get; set; }
    /// <summary>Decay factor of step/multistep.</summary>
    public double Gamma { get; set; } = 0.1;
    /// <summary>Epochs between decays of the step schedule; null = a third of the run.</summary>
    public int? StepSize { get; set; }
    /// <summary>Epochs of linear warmup at the start.</summary>
    public double WarmupEpochs { get; set; }
    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
    public double LabelSmoothing { get; set; }
    /// <summary>Gradient-norm clipping threshold; 0 = off.</summary>
    public double ClipNorm { get; set; }
    /// <summary>Fraction of the training split held out for validation (0 = none).</summary>
    public double Validation { get; set; }
    /// <summary>Input normalization: none, train (statistics of the train split) or published (standard constants).</summary>
    public string Normalize { get; set; } = "published";
    /// <summary>
    /// Random crops (padding 4) and horizontal flips of training images. Until set (flag or YAML), it follows the
    /// dataset: on for cifar10/cifar100 (the standard CIFAR recipe), off elsewhere; config.yaml records the value used.
    /// </summary>
    public bool Augment { get => _augment ?? AugmentsByDefault(Data); set => _augment = value; }
    private bool? _augment;

    /// <summary>True for the datasets trained with crop+flip augmentation unless told otherwise (cifar10, cifar100).</summary>
    public static bool AugmentsByDefault(string data) =>
        Sprout.Data.DatasetRegistry.IsKnown(data) && Sprout.Data.DatasetRegistry.Canonicalize(data) is "cifar10" or "cifar100";
    /// <summary>Seed of everything random (initialization, shuffling, dropout).</summary>
    public ulong Seed { get; set; } = 42;
    /// <summary>Compute threads; 0 = all cores.</summary>
    public int Threads { get; set; }
    /// <summary>Under mpirun: sum gradients in rank order so that all ranks are bit-identical.</summary>
    public bool DeterministicReduce { get; set; }
    /// <summary>Run directory; null = runs/&lt;name&gt;.</summary>
    public string? Out { get; set; }
    /// <summary>Run name under runs/; null = dataset-model-method-timestamp.</summary>
    public string? Name { get; set; }
    /// <summary>Replace an existing run directory.</summary>
    public bool Overwrite { get; set; }
    /// <summary>Plain line logs instead of progress bars.</summary>
    public bool Plain { get; set; }

    /// <summary>Sparse methods: overall density (kept fraction).</summary>
    public double Density { get; set; } = 0.05;

    /// <summary>Sparse methods: layer-wise density distribution (uniform, er, erk).</summary>
    public string Distribution { get; set; } = "erk";

    /// <summary>Sparse methods: keep the first weight layer (a conv net's stem) dense, outside the budget; the others meet --density.</summary>
    public bool DenseFirstLayer { get; set; }

    /// <summary>Sparse methods: keep the last weight layer (the classifier) dense, outside the budget; the others meet --density.</summary>
    public bool DenseLastLayer { get; set; }

    /// <summary>Sparse methods: layer implementation (csr = always-sparse, masked = dense ⊙ mask).</summary>
    public string LayerKind { get; set; } = "csr";

    /// <summary>Sparse methods: scale of the random initial weights (fan-in = over each unit's live inputs, dense-fan-in = the dense layer's, then masked).</summary>
    public string SparseInit { get; set; } = "fan-in";

    /// <summary>Dynamic methods: steps between topology updates (ΔT).</summary>
    public int UpdateEvery { get; set; } = 100;

    /// <summary>Dynamic methods: fraction of training after which the topology is frozen (T_end).</summary>
    public double EndFraction { get; set; } = 0.75;

    /// <summary>Dynamic methods: initial drop fraction α.</summary>
    public double DropFraction { get; set; } = 0.3;

    /// <summary>Dynamic methods: decay of the drop fraction (cosine, linear, constant).</summary>
    public string Decay { get; set; } = "cosine";

    /// <summary>GSE, DST-EE, snfs-sparse: candidate subset size γ as a multiple of each layer's nnz.</summary>
    public double GseSubset { get; set; } = 1.0;

    /// <summary>GSE: selection scope, layer (per layer, the supplement's Algorithm 2) or global (the repository).</summary>
    public string GseScope { get; set; } = "layer";

    /// <summary>DST-EE: exploration strength c (0 = RigL on the same candidates).</summary>
    public double DstEeC { get; set; } = 0.1;

    /// <summary>DST-EE: bonus form, linear (ln t/(N+ε)) or ucb (√(ln t/(N+ε))).</summary>
    public string DstEeBonus { get; set; } = "linear";

    /// <summary>DST-EE: ε in N + ε.</summary>
    public double DstEeEpsilon { get; set; } = 1.0;

    /// <summary>DST-EE: divide |g| by its mean over each layer's candidates.</summary>
    public bool DstEeNormalize { get; set; } = true;

    /// <summary>snfs, snfs-sparse: initial prune rate p0 (cosine-decayed, updates at epoch ends).</summary>
    public double SnfsPruneRate { get; set; } = 0.5;

    /// <summary>snfs, snfs-sparse: redistribute the freed budget across layers by mean |momentum| (the paper's default).</summary>
    public bool SnfsRedistribute { get; set; } = true;

    /// <summary>snfs-sparse: μ of the candidate pool's gradient momentum.</summary>
    public double SnfsPoolMomentum { get; set; } = 0.9;

    /// <summary>Top-KAST: backward extra M (B = top-(D+M)); null = M equal to each layer's forward density D.</summary>
    public double? TopKastBackward { get; set; }

    /// <summary>Top-KAST: steps between refreshes of the forward and backward sets.</summary>
    public int TopKastRefresh { get; set; } = 100;

    /// <summary>Top-KAST: λ of the exploration regularizer (replaces weight decay, which Top-KAST sets to 0).</summary>
    public double TopKastLambda { get; set; } = 5e-4;

    /// <summary>Top-KAST: penalty form, squared (L2) or abs (L1).</summary>
    public string TopKastPenalty { get; set; } = "squared";

    /// <summary>Top-KAST: reservoir form, dense (the paper's θ) or compact (ALGORITHMS.md §4a).</summary>
    public string TopKastReservoir { get; set; } = "dense";

    /// <summary>Spartan: final β (sharpness of the soft top-k; β starts at 1).</summary>
    public double SpartanBeta { get; set; } = 20;

    /// <summary>Spartan: fraction of training over which the kept fraction goes from 1 to the density.</summary>
    public double SpartanWarmup { get; set; } = 0.2;

    /// <summary>Spartan: final fraction of training with the mask frozen (fine-tuning).</summary>
    public double SpartanFinetune { get; set; } = 0.2;

    /// <summary>Spartan: budget allocation across layers (global, uniform, erk).</summary>
    public string SpartanAllocation { get; set; } = "global";

    /// <summary>Spartan: block shape RxC (1x1 = unstructured).</summary>
    public string SpartanBlock { get; set; } = "1x1";

    /// <summary>Training recipe: none, or tost (ghost neurons, ghost skips, LRsI and annealed label smoothing 0.1).</summary>
    public string Recipe { get; set; } = "none";

    /// <summary>ToST: ReLUs train as x·σ(βx), β annealed upward, exactly ReLU from the switch epoch.</summary>
    public bool GhostNeurons { get; set; }

    /// <summary>ToST: dense 1×1 conv + BN ghost paths in each residual block, α annealed to 0 and removed at the switch.</summary>
    public bool GhostSkips { get; set; }

    /// <summary>ToST: layer-wise rescaled initialisation (GradInit on the masked net) before training.</summary>
    public bool Lrsi { get; set; }

    /// <summary>--method magnitude: score a trained dense run's checkpoint and rewind to its initial weights (lottery ticket); null = score the initial weights.</summary>
    public string? MaskFrom { get; set; }

    /// <summary>ToST: Adam iterations of LRsI.</summary>
    public int LrsiIterations { get; set; } = 180;

    /// <summary>ToST: norm η of the normalised SGD step whose outcome LRsI minimises.</summary>
    public double LrsiStep { get; set; } = 0.1;

    /// <summary>ToST: LRsI holds the step direction fixed when differentiating, as the released code (no H·u).</summary>
    public bool LrsiFixedDirection { get; set; }

    /// <summary>ToST: anneal --label-smoothing to 0 by the switch epoch.</summary>
    public bool LabelSmoothingAnneal { get; set; }

    /// <summary>ToST: switch epoch as a fraction of --epochs (ghosts gone, ReLU exact, smoothing 0 from then on).</summary>
    public double TostSwitch { get; set; } = 0.5;

    /// <summary>Fills optimizer-dependent defaults (learning rate, weight decay) that were left unset.</summary>
    public void ResolveDefaults()
    {
        Lr ??= Optimizer == "sgd" ? 0.1 : 1e-3;
        WeightDecay ??= Optimizer switch { "sgd" => 5e-4, "adamw" => 0.01, _ => 0.0 };
    }
}
