// Adam and AdamW (PyTorch semantics). AdamW decouples weight decay from the gradient (Loshchilov & Hutter).
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Nn.Optim;

/// <summary>Adam (Kingma &amp; Ba, 2015); with <c>decoupled: true</c>, AdamW.</summary>
public class Adam : Optimizer
{
    private readonly Tensor[] _m, _v;

    /// <summary>Creates Adam with L2 weight decay added to the gradient (use <see cref="AdamW"/> for decoupled decay).</summary>
    public Adam(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f) : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: false) { }

    /// <summary>Shared constructor for Adam and AdamW.</summary>
    protected Adam(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate, float beta1, float beta2, float epsilon,
        float weightDecay, bool decoupled) : base(parameters, learningRate)
    {
        if (!(beta1 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        (Beta1, Beta2) = (beta1, beta2);
        Epsilon = epsilon > 0f ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be > 0.");
        WeightDecay = NonNegative(weightDecay, nameof(weightDecay));
        Decoupled = decoupled;
        _m = CreateSlots("exp_avg");
        _v = CreateSlots("exp_avg_sq");
    }

    /// <summary>First-moment decay β1.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay β2.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator guard ε.</summary>
    public float Epsilon { get; }

    /// <summary>Weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <summary>True for AdamW's decoupled decay.</summary>
    public bool Decoupled { get; }

    /// <summary>First moment of parameter <paramref name="index"/>.</summary>
    public Tensor FirstMomentOf(int index) => _m[index];

    /// <summary>Second moment of parameter <paramref name="index"/>.</summary>
    public Tensor SecondMomentOf(int index) => _v[index];

    /// <inheritdoc/>
    protected override void Update(int index, Tensor p) =>
        OptimizerUpdates.Adam(p.Data, p.Grad, _m[index].Data, _v[index].Data, LearningRate, Beta1, Beta2, Epsilon, DecayOf(index, WeightDecay), Decoupled, StepCount);
}

/// <summary>AdamW: Adam with decoupled weight decay (default λ = 0.01).</summary>
public sealed class AdamW(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate = 1e-3f, float beta1 = 0.9f,
    float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    : Adam(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true);
