// FlopCounter: training cost counted from the ops actually executed, as multiply-adds (MACs), next to what the
// same model fully dense would have executed. Per linear layer and per sample: forward y = Wx, input gradient Wᵀδ and
// weight gradient δxᵀ, i.e. 3·cost MACs where cost is Nnz for SparseLinear (the CSR kernels touch only live
// connections) and Rows·Cols for Linear and MaskedLinear (which run dense GEMMs whatever the mask). Extra work at
// topology updates (RigL's streamed dense gradient: Rows·Cols·batch per layer) is added by the driver.
// TopKastLinear costs |A| forward, |A| for the input gradient and |B| for the weight gradient (SDDMM at B).
// Not counted: biases, activations, the loss and optimizer updates (O(params), not O(params·batch)).
using Sprout.Nn;

namespace Sprout.Training.Sparsity;

/// <summary>Accumulates executed and dense-equivalent multiply-adds over training.</summary>
public sealed class FlopCounter
{
    private readonly Module[] _layers;

    /// <summary>Counts the linear layers (Linear, SparseLinear, MaskedLinear) of <paramref name="model"/>.</summary>
    public FlopCounter(Module model)
    {
        _layers = model.Modules().Where(m => m is Linear or SparseLinear or MaskedLinear or TopKastLinear).ToArray();
        if (_layers.Length == 0) throw new ArgumentException("The model has no Linear, SparseLinear or MaskedLinear layer to count.", nameof(model));
        foreach (var m in _layers) DenseMacsPerSample += 3 * DenseCost(m);
    }

    /// <summary>MACs one sample costs the dense model (forward + backward).</summary>
    public long DenseMacsPerSample { get; }

    /// <summary>MACs executed so far.</summary>
    public double ExecutedMacs { get; private set; }

    /// <summary>MACs the dense model would have executed for the same samples.</summary>
    public double DenseMacs { get; private set; }

    /// <summary>Executed / dense (1 for a dense model; ≈ density for always-sparse layers).</summary>
    public double RelativeToDense => DenseMacs == 0 ? 0 : ExecutedMacs / DenseMacs;

    /// <summary>Adds one training step over <paramref name="batch"/> samples with the current topology. Allocation-free.</summary>
    public void AddStep(int batch)
    {
        long macs = 0;
        for (int i = 0; i < _layers.Length; i++) macs += ExecutedPerSample(_layers[i]);
        ExecutedMacs += (double)macs * batch;
        DenseMacs += (double)DenseMacsPerSample * batch;
    }

    /// <summary>Adds work done outside the forward/backward pass (e.g. RigL's dense gradient at an update step).</summary>
    public void AddExtra(double macs) => ExecutedMacs += macs;

    /// <summary>Sets the totals (from a checkpoint).</summary>
    public void Restore(double executedMacs, double denseMacs) => (ExecutedMacs, DenseMacs) = (executedMacs, denseMacs);

    private static long ExecutedPerSample(Module m) => m switch
    {
        TopKastLinear t => 2L * t.ForwardCount + t.BackwardCount,
        _ => 3 * ExecutedCost(m),
    };

    private static long ExecutedCost(Module m) => m switch
    {
        SparseLinear s => s.Topology.Nnz,
        _ => DenseCost(m),
    };

    private static long DenseCost(Module m) => m switch
    {
        Linear l => (long)l.InFeatures * l.OutFeatures,
        SparseLinear s => s.Topology.Positions,
        MaskedLinear k => k.Topology.Positions,
        TopKastLinear t => (long)t.InFeatures * t.OutFeatures,
        _ => 0,
    };
}
