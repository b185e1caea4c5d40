// Tape: reverse-mode autograd by recording. Ops called while a tape is recording rent their outputs from the
// tape's pool and, when an input requires a gradient, record a node. Backward walks the nodes in reverse.
// This is define-by-run like PyTorch, with llm.c's discipline: after the first step nothing is allocated.
namespace Sprout.Core;

/// <summary>
/// Records operations for reverse-mode differentiation and owns the buffers of intermediate results.
/// Tensors produced by ops are valid until <see cref="Reset"/>; read the loss before resetting.
/// </summary>
/// <example><code>
/// using (tape.Record()) { loss = Functional.CrossEntropy(model.Forward(x), labels, n); }
/// tape.Backward(loss); float value = loss[0]; optimizer.Step(); optimizer.ZeroGrad(); tape.Reset();
/// </code></example>
public sealed class Tape
{
    [ThreadStatic] private static Tape? _current;
    [ThreadStatic] private static bool _gradDisabled;

    private readonly List<Node> _nodes = new(256);
    private readonly TensorPool _pool = new();

    /// <summary>The tape recording on this thread, or null.</summary>
    public static Tape? Current => _current;

    /// <summary>True when ops on this thread should record gradient nodes.</summary>
    public static bool GradEnabled => _current is not null && !_gradDisabled;

    /// <summary>Number of nodes recorded since the last reset.</summary>
    public int Count => _nodes.Count;

    /// <summary>Makes this tape current on this thread until the returned scope is disposed.</summary>
    public Scope Record() => new(this, gradDisabled: false);

    /// <summary>
    /// Makes this tape current for buffer reuse without recording gradients (evaluation), like torch.no_grad().
    /// </summary>
    public Scope Evaluate() => new(this, gradDisabled: true);

    /// <summary>Output buffer for an op: from the current tape's pool, or a fresh tensor when no tape is active.</summary>
    public static Tensor NewOutput(ReadOnlySpan<int> shape) => _current is null ? new Tensor(shape) : _current._pool.Rent(shape);

    /// <summary>
    /// Scratch from this tape's pool for a node's backward (which runs outside <see cref="Record"/>), to hand back with
    /// <see cref="Return"/> before the backward returns: one buffer then serves every node, where a scratch rented in
    /// forward for each node would hold them all until <see cref="Reset"/>.
    /// </summary>
    public Tensor Rent(ReadOnlySpan<int> shape) => _pool.Rent(shape);

    /// <summary>Hands back a tensor from <see cref="Rent"/> (or an op's output) that nothing reads any more in this step.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not rented from this tape in this step.</exception>
    public void Return(Tensor tensor)
    {
        if (!_pool.Return(tensor)) throw new InvalidOperationException($"{tensor} is not rented from this tape in this step.");
    }

    /// <summary>Records a node (called by <see cref="Node{TSelf}.Record"/>).</summary>
    internal void Add(Node node) => _nodes.Add(node);

    /// <summary>Backpropagates from a scalar (one-element) tensor: its gradient is seeded with 1.</summary>
    /// <exception cref="ArgumentException">The tensor does not have exactly one element.</exception>
    public void Backward(Tensor loss)
    {
        if (loss.Size != 1)
            throw new ArgumentException($"Backward needs a scalar loss; got {loss}. Reduce it first (e.g. Functional.Mean).", nameof(loss));
        if (!loss.RequiresGrad) return; // nothing upstream requires a gradient
        loss.Grad[0] = 1f;
        if (StepProfiler.Enabled)
        {
            StepProfiler.Mark("forward glue"); // after the last recorded op (the loss): model code, not an op
            for (int i = _nodes.Count - 1; i >= 0; i--)
            {
                long t = StepProfiler.Begin();
                _nodes[i].Backward();
                StepProfiler.End(_nodes[i].Label, t);
            }
            return;
        }
        for (int i = _nodes.Count - 1; i >= 0; i--) _nodes[i].Backward();
    }

    /// <summary>Forgets the recorded nodes and hands every intermediate buffer back to the pool (except those kept by <see cref="Keep"/>).</summary>
    public void Reset()
    {
        foreach (var node in _nodes) node.Return();
        _nodes.Clear();
        _pool.ReturnAll();
    }

    /// <summary>
    /// Keeps <paramref name="tensor"/>, an intermediate of this tape, valid past <see cref="Reset"/> (its data and gradient
    /// are neither handed back nor rented again) until a matching <see cref="Release"/>: for state read after the step,
    /// e.g. a sparse layer's batch at a topology update. Keeps are counted, so several readers may keep one tensor.
    /// Release before the next step's forward pass, or the pool grows by what is still kept.
    /// </summary>
    /// <returns>False (and nothing kept) when the tensor is not from this tape's pool.</returns>
    public bool Keep(Tensor tensor) => _pool.Keep(tensor);

    /// <summary>Undoes one <see cref="Keep"/> of <paramref name="tensor"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not kept by this tape.</exception>
    public void Release(Tensor tensor) => _pool.Release(tensor);

    /// <summary>Floats held by the intermediate-buffer pool (diagnostics).</summary>
    public long PooledFloats => _pool.HeldFloats();

    /// <summary>Tensors kept past <see cref="Reset"/> by <see cref="Keep"/> and not yet released (diagnostics).</summary>
    public int KeptCount => _pool.KeptCount();

    /// <summary>Restores the previous tape and grad mode when disposed. A struct, so `using` does not allocate.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Tape? _previous;
        private readonly bool _previousGradDisabled;

        internal Scope(Tape tape, bool gradDisabled)
        {
            _previous = _current;
            _previousGradDisabled = _gradDisabled;
            _current = tape;
            _gradDisabled = gradDisabled;
        }

        /// <summary>Restores the enclosing tape.</summary>
        public void Dispose()
        {
            _current = _previous;
            _gradDisabled = _previousGradDisabled;
        }
    }
}
