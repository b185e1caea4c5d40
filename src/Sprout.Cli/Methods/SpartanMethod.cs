// SpartanMethod: `--method spartan` (Tai, Tian, Lim 2022), masked dense as published: a dense model whose Linear and
// Conv2d weight matrices are sparsified by Spartan's soft top-k (β 1 → --spartan-beta, kept fraction 1 → --density over
// --spartan-warmup, mask frozen for the last --spartan-finetune), allocation --spartan-allocation, blocks
// --spartan-block. FLOPs relative to dense are 1 (dense GEMMs). Per-layer nnz in the summary counts the final
// weights w̃, which the model (and every checkpoint, written at epoch ends) holds after each epoch.
using System.Globalization;
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Methods;

/// <summary>Spartan training of any --model (its dense Linear layers, found through the module tree, nested ones included).</summary>
public sealed class SpartanMethod : TrainingMethod
{
    private Module? _model;
    private Tensor[] _layers = []; // dense weight matrices [Rows × Cols] of every Linear and Conv2d
    private (int Height, int Width)[] _kernels = [];
    private SparseTrainingDriver? _driver;
    private SpartanCallback? _callback;

    /// <inheritdoc/>
    public override string Name => "spartan";

    /// <inheritdoc/>
    public override string Description => "Spartan (Tai et al. 2022): soft top-k masks by regularized optimal transport, masked dense";

    /// <inheritdoc/>
    public override void Validate(TrainSettings s)
    {
        if (s.Density >= 1) throw new UsageException($"--density must be below 1 for --method spartan, got {s.Density}; use --method dense for a dense model.");
        if (s.SpartanWarmup + s.SpartanFinetune > 1)
            throw new UsageException($"--spartan-warmup + --spartan-finetune must be at most 1, got {s.SpartanWarmup} + {s.SpartanFinetune}.");
        Block(s.SpartanBlock);
        if (s.DenseFirstLayer || s.DenseLastLayer)
            throw new UsageException("--method spartan allocates its budget with --spartan-allocation over every weight layer; drop --dense-first-layer/--dense-last-layer.");
    }

    /// <inheritdoc/>
    public override TrainingMethod ForRun() => new SpartanMethod();

    /// <inheritdoc/>
    public override double Density(TrainSettings s) => s.Density;


    /// <inheritdoc/>
    public override Module BuildModel(TrainSettings s, ImageShape input, int classes, Rng rng)
    {
        _model = base.BuildModel(s, input, classes, rng);
        var weights = DenseWeightLayers.Of(_model);
        var convs = _model.LayersOf<Conv2d>().ToDictionary(c => c.Path, c => (c.Layer.Shape.KernelHeight, c.Layer.Shape.KernelWidth));
        _layers = weights.Select(l => l.Weight).ToArray();
        _kernels = weights.Select(l => convs.TryGetValue(l.Path, out var k) ? k : (1, 1)).ToArray();
        return _model;
    }

    /// <inheritdoc/>
    public override IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings s, int stepsPerEpoch)
    {
        var (rows, cols) = Block(s.SpartanBlock);
        var allocation = s.SpartanAllocation switch { "uniform" => SpartanAllocation.Uniform, "erk" => SpartanAllocation.Erk, _ => SpartanAllocation.Global };
        var spartan = new Spartan(_layers, stepsPerEpoch * s.Epochs, s.Density, (float)s.SpartanBeta, 1f,
            s.SpartanWarmup, s.SpartanFinetune, rows, cols, allocation, kernels: _kernels);
        _driver = new SparseTrainingDriver(_model!, null, null);
        _callback = new SpartanCallback(spartan);
        return [_callback, new SparsityCallback(_driver)];
    }

    /// <inheritdoc/>
    public override string? LayerTable() => _driver?.LayerTable();

    /// <inheritdoc/>
    public override JsonObject? Summary()
    {
        if (_driver is null) return null;
        var summary = _driver.Summary();
        var layers = summary["layers"]!.AsArray();
        for (int i = 0; i < layers.Count; i++)
        {
            // Spartan's sparsity is in the weights themselves (w ⊙ mask), not in a layer topology.
            var layer = layers[i]!;
            long nnz = 0;
            foreach (float v in _layers[i].Data) if (v != 0f) nnz++;
            layer["kind"] = "spartan";
            layer["density"] = (double)nnz / ((long)layer["rows"]!.GetValue<int>() * layer["cols"]!.GetValue<int>());
            layer["nnz"] = nnz;
        }
        summary["topology_updates"] = 0;
        return summary;
    }

    /// <summary>Parses --spartan-block "RxC".</summary>
    /// <exception cref="UsageException">Not two positive integers separated by x.</exception>
    internal static (int Rows, int Cols) Block(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int r) && r > 0
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c > 0)
            return (r, c);
        throw new UsageException($"--spartan-block must be RxC with positive integers (e.g. 1x1, 4x4), got '{text}'.");
    }
}
