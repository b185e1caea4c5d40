// SGD with momentum, Nesterov momentum and L2 weight decay (PyTorch semantics, dampening 0).
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Nn.Optim;

/// <summary>Stochastic gradient descent: v = μv + (g + λw); w −= lr·(nesterov ? g + λw + μv : v).</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[] _velocity;

    /// <summary>Creates SGD. Nesterov requires momentum &gt; 0.</summary>
    public Sgd(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, learningRate)
    {
        Momentum = NonNegative(momentum, nameof(momentum));
        if (Momentum >= 1f) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be < 1.");
        WeightDecay = NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum == 0f) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        Nesterov = nesterov;
        _velocity = CreateSlots("momentum");
    }

    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>L2 weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <summary>True for Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>The momentum buffer of parameter <paramref name="index"/> (sparse momentum reads it).</summary>
    public Tensor VelocityOf(int index) => _velocity[index];

    /// <inheritdoc/>
    protected override void Update(int index, Tensor p) =>
        OptimizerUpdates.Sgd(p.Data, p.Grad, _velocity[index].Data, LearningRate, Momentum, DecayOf(index, WeightDecay), Nesterov);
}
