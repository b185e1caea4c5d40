// Dropout: active only in training mode.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Inverted dropout with probability <see cref="P"/>; identity in evaluation mode.</summary>
public sealed class Dropout : Module
{
    private readonly Rng _rng;

    /// <summary>Creates a dropout layer with its own random stream.</summary>
    public Dropout(float p, Rng rng)
    {
        if (p is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        P = p;
        _rng = rng;
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Training ? Ops.Dropout(input, P, _rng) : input;
}
