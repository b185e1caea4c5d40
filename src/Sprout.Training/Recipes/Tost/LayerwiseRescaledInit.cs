// LayerwiseRescaledInit (LRsI): ToST's rescaled initialisation, which is GradInit (Zhu et al., NeurIPS 2021) applied
// to the already-masked network. Each parameter tensor i gets a scale m_i, θ_i = m_i·θ0_i, and Adam on m minimises
//   f(m) = L_S′(θ − η·g/‖g‖) / η   with g = ∇L_S(θ), S and S′ two training batches,   or   f(m) = ‖g‖ while ‖g‖ > γ
// (÷η as in the released code). Its gradient needs a Hessian-vector product (∂g/∂m_i = H·θ0_i restricted to tensor
// i); Sprout has no double backward, so H·u comes from FiniteDifferenceHvp (two more gradient evaluations on S):
//   ‖g‖ branch:     ∂f/∂m_i = ⟨(H n)_i, θ0_i⟩,                                n = g/‖g‖
//   step branch:    ∂f/∂m_i = (⟨v_i, θ0_i⟩ − η·⟨(H u)_i, θ0_i⟩) / η,           v = ∇L_S′(θ′), u = (v − n·(n·v))/‖g‖
// The released GradInit/ToST code takes the step with a detached gradient and so drops the H·u term; that is not
// the gradient of f, and on a fixed batch pair it can raise f (docs/tost.md), so Sprout keeps it unless
// LrsiOptions.FixedStepDirection asks for the released behaviour (then ∂f/∂m_i = ⟨v_i, θ0_i⟩ / η, no H·u).
// LrsiScaleUpdate takes the Adam steps as the released RescaleAdam does: per-scale clipping, separate moments for the
// two branches, then the lower bounds (weights ≥ 0.01, biases ≥ 0). Masked entries stay zero because they are scaled,
// never moved; BatchNorm running statistics are restored afterwards, so the only lasting change is θ = m·θ0. The first two batches are kept as a fixed evaluation
// pair: ‖g‖ and the loss after the step are reported on it before and after, so the two numbers compare.
using Sprout.Core;
using Sprout.Nn;

namespace Sprout.Training.Recipes.Tost;

/// <summary>GradInit-style per-tensor rescaling of a (masked) model's initial weights.</summary>
public sealed class LayerwiseRescaledInit
{
    private readonly Module _model;
    private readonly LrsiOptions _options;
    private readonly IReadOnlyList<(string Name, Tensor Tensor)> _parameters;
    private readonly Tensor[] _tensors;
    private readonly float[][] _initial, _vector, _hvp, _g, _v;
    private readonly Tape _tape = new();
    private long _samplePasses;

    /// <summary>Prepares LRsI over every parameter of <paramref name="model"/> (their current values are θ0).</summary>
    /// <exception cref="ArgumentException">The model has no parameters.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LayerwiseRescaledInit(Module model, LrsiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new LrsiOptions();
        _options.Validate();
        _model = model;
        _parameters = model.NamedParameters().ToList();
        if (_parameters.Count == 0) throw new ArgumentException("LRsI needs a model with parameters.", nameof(model));
        _tensors = _parameters.Select(p => p.Tensor).ToArray();
        _initial = _tensors.Select(t => t.Data.ToArray()).ToArray();
        _vector = _tensors.Select(t => new float[t.Size]).ToArray();
        _hvp = _tensors.Select(t => new float[t.Size]).ToArray();
        _g = _tensors.Select(t => new float[t.Size]).ToArray();
        _v = _tensors.Select(t => new float[t.Size]).ToArray();
        LowerBounds = _parameters.Select(p => IsBias(p.Name) ? _options.BiasScaleMin : _options.WeightScaleMin).ToArray();
    }

    /// <summary>Parameter names, in the order of the scale vector.</summary>
    public IReadOnlyList<string> Names => _parameters.Select(p => p.Name).ToList();

    /// <summary>Lower bound of each tensor's scale (bias tensors: <see cref="LrsiOptions.BiasScaleMin"/>).</summary>
    public IReadOnlyList<float> LowerBounds { get; }

    /// <summary>
    /// Runs the Adam iterations on batches drawn from <paramref name="batches"/> (two per iteration, restarting the
    /// pass when it ends), leaves the model at θ = m·θ0 with its buffers as they were, and returns the scales with
    /// ‖g‖ and the loss after the step on the first two batches, before and after.
    /// </summary>
    public LrsiResult Run(IBatchSource batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var buffers = _model.NamedBuffers().Select(b => b.Tensor.Data.ToArray()).ToArray();
        var update = new LrsiScaleUpdate(LowerBounds, _options.LearningRate, _options.GradientClip);
        var gradient = new float[_tensors.Length];
        int pass = 0, normIterations = 0;
        _samplePasses = 0;
        bool wasTraining = _model.Training;
        _model.Train();
        batches.Reset(pass);
        LrsiMeasure before, after;
        try
        {
            var evalS = Draw(batches, ref pass);
            var evalSPrime = Draw(batches, ref pass);
            before = Measure(update.Scales, evalS, evalSPrime);
            for (int it = 0; it < _options.Iterations; it++)
            {
                var s = it == 0 ? evalS : Draw(batches, ref pass);
                var sPrime = it == 0 ? evalSPrime : Draw(batches, ref pass);
                ObjectiveAndGradient(update.Scales, s, sPrime, gradient, out bool normBranch);
                if (normBranch) normIterations++;
                update.Step(gradient, normBranch);
            }
            after = Measure(update.Scales, evalS, evalSPrime);
        }
        finally
        {
            SetScales(update.Scales);
            var named = _model.NamedBuffers();
            for (int i = 0; i < buffers.Length; i++) buffers[i].CopyTo(named[i].Tensor.Data);
            foreach (var t in _tensors) t.ZeroGrad();
            if (!wasTraining) _model.Eval();
        }
        var final = update.Scales.ToArray();
        var result = _parameters.Select((p, i) => (p.Name, final[i])).ToList();
        return new LrsiResult(result, _options.Iterations, normIterations, before, after, _samplePasses);
    }

    /// <summary>
    /// ‖g‖ on <paramref name="s"/> and the loss on <paramref name="sPrime"/> after the step θ − η·g/‖g‖, at the given
    /// scales (whichever branch is active). Leaves the model at θ = m·θ0.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of scales.</exception>
    public LrsiMeasure Measure(ReadOnlySpan<float> scales, LrsiBatch s, LrsiBatch sPrime)
    {
        if (scales.Length != _tensors.Length) throw new ArgumentException($"LRsI has {_tensors.Length} scales; got {scales.Length}.");
        SetScales(scales);
        Gradient(s);
        Copy(_g);
        double gNorm = FiniteDifferenceHvp.Norm(_g);
        double loss = gNorm == 0 ? Loss(sPrime) : StepLoss(_g, gNorm, sPrime, keepGradient: false);
        SetScales(scales);
        return new LrsiMeasure(gNorm, loss);
    }

    /// <summary>
    /// GradInit's objective f(m) on batches <paramref name="s"/> (for g) and <paramref name="sPrime"/> (after the step):
    /// ‖g‖ in the ‖g‖ branch, the loss after the step ÷ η otherwise; its gradient in m goes into <paramref name="gradient"/>.
    /// Leaves the model at θ = m·θ0. Public so that tests can check it against finite differences.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of scales or gradient entries.</exception>
    public double ObjectiveAndGradient(ReadOnlySpan<float> scales, LrsiBatch s, LrsiBatch sPrime, Span<float> gradient, out bool normBranch)
    {
        if (scales.Length != _tensors.Length || gradient.Length != _tensors.Length)
            throw new ArgumentException($"LRsI has {_tensors.Length} scales; got {scales.Length} scales and {gradient.Length} gradient entries.");
        SetScales(scales);
        Gradient(s);
        Copy(_g);
        double gNorm = FiniteDifferenceHvp.Norm(_g);
        normBranch = gNorm > _options.GradientNormBound;
        if (gNorm == 0)
        {
            gradient.Clear();
            return normBranch ? 0 : Loss(sPrime) / _options.StepSize;
        }
        if (normBranch)
        {
            for (int i = 0; i < _g.Length; i++)
                for (int j = 0; j < _g[i].Length; j++) _vector[i][j] = (float)(_g[i][j] / gNorm);
            Hvp(s);
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)Dot(_hvp[i], _initial[i]);
            return gNorm;
        }
        // θ′ = θ − η·g/‖g‖, then v = ∇L_S′(θ′).
        double loss = StepLoss(_g, gNorm, sPrime, keepGradient: true);
        SetScales(scales);
        float eta = _options.StepSize;
        if (_options.FixedStepDirection)
        {
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(Dot(_v[i], _initial[i]) / eta);
            return loss / eta;
        }
        double nv = 0;
        for (int i = 0; i < _g.Length; i++) nv += Dot(_g[i], _v[i]) / gNorm;
        for (int i = 0; i < _g.Length; i++)
            for (int j = 0; j < _g[i].Length; j++) _vector[i][j] = (float)((_v[i][j] - _g[i][j] / gNorm * nv) / gNorm);
        Hvp(s);
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)((Dot(_v[i], _initial[i]) - eta * Dot(_hvp[i], _initial[i])) / eta);
        return loss / eta;
    }

    /// <summary>
    /// L_S′(m·θ0 − η·<paramref name="direction"/>) for a given unit step direction (one array per parameter), the
    /// objective's loss with the direction held fixed: with <see cref="LrsiOptions.FixedStepDirection"/> the step
    /// branch's gradient is that of this ÷ η (for tests). Leaves the model at θ = m·θ0.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of scales or direction arrays.</exception>
    public double LossAfterStep(ReadOnlySpan<float> scales, IReadOnlyList<float[]> direction, LrsiBatch sPrime)
    {
        if (scales.Length != _tensors.Length || direction.Count != _tensors.Length)
            throw new ArgumentException($"LRsI has {_tensors.Length} scales; got {scales.Length} scales and {direction.Count} direction arrays.");
        SetScales(scales);
        double loss = StepLoss(direction, 1, sPrime, keepGradient: false);
        SetScales(scales);
        return loss;
    }

    // Moves the weights by −η·g/‖g‖ and evaluates the loss on sPrime there (its gradient kept in _v when asked).
    private double StepLoss(IReadOnlyList<float[]> g, double gNorm, LrsiBatch sPrime, bool keepGradient)
    {
        float eta = _options.StepSize;
        for (int i = 0; i < _tensors.Length; i++)
        {
            var d = _tensors[i].Data;
            var gi = g[i];
            for (int j = 0; j < d.Length; j++) d[j] = (float)(d[j] - eta * gi[j] / gNorm);
        }
        if (!keepGradient) return Loss(sPrime);
        double loss = Gradient(sPrime);
        Copy(_v);
        return loss;
    }

    /// <summary>The loss f would report at the current weights on <paramref name="batch"/> (no gradient kept).</summary>
    private double Loss(LrsiBatch batch)
    {
        double value = Gradient(batch);
        foreach (var t in _tensors) t.ZeroGrad();
        return value;
    }

    private void Hvp(LrsiBatch s) =>
        FiniteDifferenceHvp.Compute(_tensors, () => Gradient(s), _vector, _hvp, _options.HvpRelativeStep);

    // Loss and gradients at the current weights on one batch (the model's train-mode forward, as training would see it).
    private double Gradient(LrsiBatch batch)
    {
        foreach (var t in _tensors) t.ZeroGrad();
        _samplePasses += batch.Count;
        Tensor loss;
        using (_tape.Record())
        {
            var logits = _model.Forward(batch.Inputs);
            loss = Functional.CrossEntropy(logits, batch.Labels, batch.Count, _options.LabelSmoothing);
        }
        double value = loss[0];
        _tape.Backward(loss);
        _tape.Reset();
        return value;
    }

    private void Copy(float[][] into)
    {
        for (int i = 0; i < _tensors.Length; i++) _tensors[i].Grad.CopyTo(into[i]);
    }

    private void SetScales(ReadOnlySpan<float> scales)
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            var d = _tensors[i].Data;
            var init = _initial[i];
            for (int j = 0; j < d.Length; j++) d[j] = scales[i] * init[j];
        }
    }

    private static LrsiBatch Draw(IBatchSource batches, ref int pass)
    {
        if (!batches.Next(out var inputs, out var labels, out int count))
        {
            batches.Reset(++pass);
            if (!batches.Next(out inputs, out labels, out count)) throw new InvalidOperationException("LRsI's batch source yields no batches.");
        }
        return LrsiBatch.Copy(inputs, labels, count);
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static bool IsBias(string name) => name == "bias" || name.EndsWith(".bias", StringComparison.Ordinal);
}
