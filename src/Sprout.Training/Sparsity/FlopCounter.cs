// FlopCounter: training cost counted from the ops actually executed, as multiply-adds (MACs), next to what the
// same model fully dense would have executed. Each layer states its own per-sample cost (ICountsMultiplyAdds:
// forward, input gradient and weight gradient), so a sparse layer reports what its kernels touch and a masked one
// its dense GEMMs. A conv layer's cost is its LayerDescription's per-position MACs times the OH·OW of the input it
// actually saw (known only after its first forward pass), so both counts are read at every step. Extra work at topology updates (RigL's streamed dense gradient: Rows·Cols·batch per layer) is
// added by the driver. A model whose layers run on several rows per sample (a ViT: N token rows per image) says so
// through IRowsPerSample, and those layers' per-row counts are multiplied by it. Not counted: biases, activations, the loss and optimizer updates (O(params), not O(params·batch)).
using Sprout.Nn;

namespace Sprout.Training.Sparsity;

/// <summary>Accumulates executed and dense-equivalent multiply-adds over training.</summary>
public sealed class FlopCounter
{
    private readonly ICountsMultiplyAdds[] _layers;
    private readonly long[] _rows; // rows per sample each layer runs on (1 unless an IRowsPerSample ancestor says otherwise)

    /// <summary>Counts the layers of <paramref name="model"/> that implement <see cref="ICountsMultiplyAdds"/> (the linear layers).</summary>
    /// <exception cref="ArgumentException">No layer of the model reports its multiply-adds.</exception>
    public FlopCounter(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _layers = model.Modules().OfType<ICountsMultiplyAdds>().ToArray();
        if (_layers.Length == 0)
            throw new ArgumentException("The model has no layer to count (Linear, Conv2d, their sparse, masked and Top-KAST forms, or another ICountsMultiplyAdds).", nameof(model));
        _rows = new long[_layers.Length];
        Array.Fill(_rows, 1L);
        // Outer models first, so a nested IRowsPerSample has the last word for its own layers.
        foreach (var provider in model.Modules().OfType<IRowsPerSample>())
        {
            var inside = ((Module)provider).Modules().ToHashSet();
            for (int i = 0; i < _layers.Length; i++)
                if (inside.Contains((Module)_layers[i])) _rows[i] = provider.RowsPerSample((Module)_layers[i]);
        }
    }

    /// <summary>MACs one sample costs the dense model (forward + backward); conv layers count from their first forward pass.</summary>
    public long DenseMacsPerSample
    {
        get
        {
            long macs = 0;
            for (int i = 0; i < _layers.Length; i++) macs += _layers[i].DenseMacsPerSample * _rows[i];
            return macs;
        }
    }

    /// <summary>MACs one sample costs with the current topology (forward + backward); conv layers count from their first forward pass.</summary>
    public long ExecutedMacsPerSample
    {
        get
        {
            long macs = 0;
            for (int i = 0; i < _layers.Length; i++) macs += _layers[i].ExecutedMacsPerSample * _rows[i];
            return macs;
        }
    }

    /// <summary>MACs executed so far.</summary>
    public double ExecutedMacs { get; private set; }

    /// <summary>MACs the dense model would have executed for the same samples.</summary>
    public double DenseMacs { get; private set; }

    /// <summary>Executed / dense (1 for a dense model; ≈ density for always-sparse layers).</summary>
    public double RelativeToDense => DenseMacs == 0 ? 0 : ExecutedMacs / DenseMacs;

    /// <summary>Adds one training step over <paramref name="batch"/> samples with the current topology. Allocation-free.</summary>
    public void AddStep(int batch)
    {
        ExecutedMacs += (double)ExecutedMacsPerSample * batch;
        DenseMacs += (double)DenseMacsPerSample * batch;
    }

    /// <summary>Adds work done outside the forward/backward pass (e.g. RigL's dense gradient at an update step).</summary>
    public void AddExtra(double macs) => ExecutedMacs += macs;

    /// <summary>Sets the totals (from a checkpoint).</summary>
    public void Restore(double executedMacs, double denseMacs) => (ExecutedMacs, DenseMacs) = (executedMacs, denseMacs);
}
