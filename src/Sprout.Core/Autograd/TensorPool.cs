// TensorPool: the buffer plan for intermediates. Tensors rented during a step are handed back all at once
// by Tape.Reset, and the next step rents the same objects again in the same order, so a steady-state step
// allocates nothing. Shapes may change (the last, smaller batch): storage only grows. Every slot before
// _firstFree is taken, so the search starts there: in steady state the next rent is that very slot, O(1).
// A scratch buffer used within one node's backward is rented and handed back at once (Return), so one slot serves
// every node of the step instead of one per node.
// A slot may also be kept past Reset (Keep/Release, counted): a layer reads its batch in place at a topology update
// that runs after the reset, instead of holding a copy of its own.
namespace Sprout.Core;

internal sealed class TensorPool
{
    private readonly List<Tensor> _all = new(64);
    private readonly List<bool> _inUse = new(64); // rented since the last ReturnAll
    private readonly List<int> _keeps = new(64);  // Keep calls not yet released: the slot survives ReturnAll
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
            if (!IsFree(i) || _all[i].Storage.Length < size) continue;
            if (best < 0 || _all[i].Storage.Length < _all[best].Storage.Length) best = i;
            if (_all[i].Storage.Length == size) break;
        }
        Tensor t;
        if (best < 0)
        {
            t = new Tensor(shape);
            _all.Add(t);
            _inUse.Add(true);
            _keeps.Add(0);
        }
        else
        {
            t = _all[best];
            _inUse[best] = true;
            t.Reshape(shape);
            t.DeferZeroGrad(); // cleared on first use, or overwritten by a kernel (Tensor.GradForWrite)
        }
        while (_firstFree < _all.Count && !IsFree(_firstFree)) _firstFree++;
        t.RequiresGrad = false;
        t.Name = null;
        t.Layout = Layout.BatchMajor;
        return t;
    }

    public void ReturnAll()
    {
        for (int i = 0; i < _inUse.Count; i++) _inUse[i] = false;
        _firstFree = 0;
        while (_firstFree < _all.Count && !IsFree(_firstFree)) _firstFree++;
    }

    /// <summary>Hands back, before <see cref="ReturnAll"/>, a tensor rented in this step whose user is done with it; false when not rented here.</summary>
    public bool Return(Tensor t)
    {
        int i = LastIndexOf(t); // scratch rented in backward sits at the end of the list
        if (i < 0 || !_inUse[i]) return false;
        _inUse[i] = false;
        if (IsFree(i) && i < _firstFree) _firstFree = i;
        return true;
    }

    /// <summary>Holds <paramref name="t"/> (data and gradient) past <see cref="ReturnAll"/> until as many <see cref="Release"/> calls; false when the pool does not own it.</summary>
    public bool Keep(Tensor t)
    {
        int i = IndexOf(t);
        if (i < 0) return false;
        _keeps[i]++;
        return true;
    }

    /// <summary>Undoes one <see cref="Keep"/>; the slot is rentable again once it is neither kept nor rented in this step.</summary>
    public void Release(Tensor t)
    {
        int i = IndexOf(t);
        if (i < 0 || _keeps[i] == 0) throw new InvalidOperationException($"{t} is not kept by this tape.");
        _keeps[i]--;
        if (IsFree(i) && i < _firstFree) _firstFree = i;
    }

    /// <summary>Total floats held (data only), for diagnostics.</summary>
    public long HeldFloats()
    {
        long n = 0;
        foreach (var t in _all) n += t.Storage.Length;
        return n;
    }

    /// <summary>Slots kept past ReturnAll (with at least one unreleased Keep).</summary>
    public int KeptCount()
    {
        int n = 0;
        foreach (int k in _keeps) if (k > 0) n++;
        return n;
    }

    private bool IsFree(int i) => !_inUse[i] && _keeps[i] == 0;

    // Linear: only layers that keep their batch call it, once per layer and step before a topology update.
    private int LastIndexOf(Tensor t)
    {
        for (int i = _all.Count - 1; i >= 0; i--)
            if (ReferenceEquals(_all[i], t)) return i;
        return -1;
    }

    private int IndexOf(Tensor t)
    {
        for (int i = 0; i < _all.Count; i++)
            if (ReferenceEquals(_all[i], t)) return i;
        return -1;
    }
}
