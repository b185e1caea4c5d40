// LrsiScaleUpdate: one Adam step on LRsI's per-tensor scales, as the released GradInit RescaleAdam takes it. Each
// scale's gradient is clipped to ±clip on its own, and the ‖g‖ branch and the loss branch keep separate Adam moments:
// with shared moments the ‖g‖ branch's large gradients fill the second moment (β2 = 0.999 remembers them for ~1000
// steps), so every later loss-branch step is damped far below the learning rate. Scales are then clamped to their
// lower bounds.
using Sprout.Core;
using Sprout.Nn.Optim;

namespace Sprout.Training.Recipes.Tost;

/// <summary>Adam on a vector of scales with per-branch moments, per-entry clipping and lower bounds.</summary>
public sealed class LrsiScaleUpdate
{
    private readonly Tensor _scales;
    private readonly Adam _loss, _constraint;
    private readonly float _clip;
    private readonly float[] _lowerBounds;

    /// <summary>Starts every scale at 1.</summary>
    /// <exception cref="ArgumentException">No bounds, or a non-positive learning rate or clip.</exception>
    public LrsiScaleUpdate(IReadOnlyList<float> lowerBounds, float learningRate, float clip)
    {
        ArgumentNullException.ThrowIfNull(lowerBounds);
        if (lowerBounds.Count == 0) throw new ArgumentException("LRsI needs at least one scale.", nameof(lowerBounds));
        if (!(clip > 0)) throw new ArgumentException($"The gradient clip must be positive (got {clip}).", nameof(clip));
        _lowerBounds = lowerBounds.ToArray();
        _clip = clip;
        _scales = new Tensor(_lowerBounds.Length) { Name = "lrsi.scales" };
        _scales.Data.Fill(1f);
        _loss = new Adam([("lrsi.scales", _scales)], learningRate);
        _constraint = new Adam([("lrsi.scales", _scales)], learningRate);
    }

    /// <summary>The current scales.</summary>
    public ReadOnlySpan<float> Scales => _scales.Data;

    /// <summary>Applies one step from <paramref name="gradient"/>, with the moments of the branch it came from.</summary>
    /// <exception cref="ArgumentException">Wrong number of gradient entries.</exception>
    public void Step(ReadOnlySpan<float> gradient, bool gradientNormBranch)
    {
        if (gradient.Length != _lowerBounds.Length)
            throw new ArgumentException($"LRsI has {_lowerBounds.Length} scales; got {gradient.Length} gradient entries.", nameof(gradient));
        var grad = _scales.Grad;
        for (int i = 0; i < grad.Length; i++) grad[i] = Math.Clamp(gradient[i], -_clip, _clip);
        (gradientNormBranch ? _constraint : _loss).Step();
        var m = _scales.Data;
        for (int i = 0; i < m.Length; i++) m[i] = Math.Max(m[i], _lowerBounds[i]);
    }
}
