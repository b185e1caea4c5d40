// Module: the PyTorch-like base for layers and models. A module owns named parameters and named child
// modules; names compose into paths ("layers.0.weight") used by optimizers, checkpoints and sparsity methods.
// Buffers (e.g. BatchNorm's running statistics) are named and checkpointed like parameters but never trained:
// optimizers and sparsity methods only see NamedParameters.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Base class for layers and models.</summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private readonly List<(string Name, Tensor Tensor)> _buffers = [];
    private List<(string Name, Tensor Tensor)>? _allParameters;
    private List<(string Name, Tensor Tensor)>? _allBuffers;
    private Module? _parent; // the last module this one was registered in: cache invalidation walks up through it

    /// <summary>True in training mode (dropout active, batch statistics used), false in evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output for an input batch.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Every parameter of this module and its descendants, with dotted path names, in registration order.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> NamedParameters()
    {
        if (_allParameters is null)
        {
            var all = new List<(string, Tensor)>();
            Collect("", all);
            _allParameters = all;
        }
        return _allParameters;
    }

    /// <summary>
    /// Every buffer (state that is saved and restored but not trained, e.g. "bn1.running_mean") of this module and its
    /// descendants, with dotted path names, in registration order. Optimizers never see these.
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> NamedBuffers()
    {
        if (_allBuffers is null)
        {
            var all = new List<(string, Tensor)>();
            CollectBuffers("", all);
            _allBuffers = all;
        }
        return _allBuffers;
    }

    /// <summary>The parameter tensors (see <see cref="NamedParameters"/>).</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Direct children with their names.</summary>
    public IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <summary>This module and all descendants, depth first.</summary>
    public IEnumerable<Module> Modules()
    {
        yield return this;
        foreach (var (_, child) in _children)
            foreach (var m in child.Modules()) yield return m;
    }

    /// <summary>Switches this module and its descendants to training mode.</summary>
    public void Train() => SetMode(true);

    /// <summary>Switches this module and its descendants to evaluation mode.</summary>
    public void Eval() => SetMode(false);

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        var all = NamedParameters();
        for (int i = 0; i < all.Count; i++) all[i].Tensor.ZeroGrad(); // indexed: no boxed enumerator
    }

    /// <summary>Registers a trainable tensor under a local name; marks it as requiring a gradient.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        tensor.RequiresGrad = true;
        tensor.Name ??= name;
        _parameters.Add((name, tensor));
        InvalidateParameterCache();
        return tensor;
    }

    /// <summary>Registers a non-trainable tensor (no gradient) under a local name; checkpoints save and restore it.</summary>
    /// <exception cref="ArgumentException">The name is already used by a parameter or buffer of this module.</exception>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        if (_buffers.Exists(b => b.Name == name) || _parameters.Exists(p => p.Name == name))
            throw new ArgumentException($"'{name}' is already registered on this module; pick another buffer name.", nameof(name));
        tensor.RequiresGrad = false;
        tensor.Name ??= name;
        _buffers.Add((name, tensor));
        InvalidateParameterCache();
        return tensor;
    }

    /// <summary>Registers a child module under a local name.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        module._parent = this;
        InvalidateParameterCache();
        return module;
    }

    /// <summary>
    /// Removes a registered child module (ToST's ghost paths leave the model this way): its parameters and buffers
    /// disappear from <see cref="NamedParameters"/> and <see cref="NamedBuffers"/> of this module and its ancestors, and
    /// so from optimizers built afterwards and from checkpoints.
    /// </summary>
    /// <exception cref="ArgumentException">No child has that name.</exception>
    protected void UnregisterModule(string name)
    {
        int i = _children.FindIndex(c => c.Name == name);
        if (i < 0) throw new ArgumentException($"No child module named '{name}'.", nameof(name));
        var child = _children[i].Module;
        _children.RemoveAt(i);
        if (ReferenceEquals(child._parent, this)) child._parent = null;
        InvalidateParameterCache();
    }

    /// <summary>Replaces a registered parameter (e.g. when a sparse layer changes its storage).</summary>
    protected void ReplaceParameter(string name, Tensor tensor)
    {
        int i = _parameters.FindIndex(p => p.Name == name);
        if (i < 0) throw new ArgumentException($"No parameter named '{name}'.", nameof(name));
        tensor.RequiresGrad = true;
        _parameters[i] = (name, tensor);
        InvalidateParameterCache();
    }

    // Ancestors cache the lists of their whole subtree, so a change after construction (a removed child) clears them too.
    private void InvalidateParameterCache()
    {
        for (var m = this; m is not null; m = m._parent) (m._allParameters, m._allBuffers) = (null, null);
    }

    private void Collect(string prefix, List<(string, Tensor)> into)
    {
        foreach (var (name, t) in _parameters) into.Add((prefix + name, t));
        foreach (var (name, child) in _children) child.Collect(prefix + name + ".", into);
    }

    private void CollectBuffers(string prefix, List<(string, Tensor)> into)
    {
        foreach (var (name, t) in _buffers) into.Add((prefix + name, t));
        foreach (var (name, child) in _children) child.CollectBuffers(prefix + name + ".", into);
    }

    private void SetMode(bool training)
    {
        Training = training;
        foreach (var (_, child) in _children) child.SetMode(training);
    }
}
