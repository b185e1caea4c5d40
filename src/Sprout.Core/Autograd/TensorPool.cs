// TensorPool: the buffer plan for intermediates. Tensors rented during a step are handed back all at once
// by Tape.Reset, and the next step rents the same objects again in the same order, so a steady-state step
// allocates nothing. Shapes may change (the last, smaller batch): storage only grows. Every slot before
// _firstFree is in use, so the search starts there: in steady state the next rent is that very slot, O(1).
namespace Sprout.Core;

internal sealed class TensorPool
{
    private readonly List<Tensor> _all = new(64);
    private readonly List<bool> _inUse = new(64);
    private int _firstFree;

    public Tensor Rent(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape) size *= d;
        // Best fit among free tensors: the smallest storage that is large enough. Steps repeat the same
        // sequence of shapes, so in steady state every rent finds its exact previous tensor.
        int best = -1;
        for (int i = _firstFree; i < _all.Count; i++)
        {
            if (_inUse[i] || _all[i].Storage.Length < size) continue;
            if (best < 0 || _all[i].Storage.Length < _all[best].Storage.Length) best = i;
            if (_all[i].Storage.Length == size) break;
        }
        Tensor t;
        if (best < 0)
        {
            t = new Tensor(shape);
            _all.Add(t);
            _inUse.Add(true);
        }
        else
        {
            t = _all[best];
            _inUse[best] = true;
            t.Reshape(shape);
            t.DeferZeroGrad(); // cleared on first use, or overwritten by a kernel (Tensor.GradForWrite)
        }
        while (_firstFree < _all.Count && _inUse[_firstFree]) _firstFree++;
        t.RequiresGrad = false;
        t.Name = null;
        t.Layout = Layout.BatchMajor;
        return t;
    }

    public void ReturnAll()
    {
        for (int i = 0; i < _inUse.Count; i++) _inUse[i] = false;
        _firstFree = 0;
    }

    /// <summary>Total floats held (data only), for diagnostics.</summary>
    public long HeldFloats()
    {
        long n = 0;
        foreach (var t in _all) n += t.Storage.Length;
        return n;
    }
}
