// Linear: a dense fully connected layer, y = x·Wᵀ + b, with W stored [out × in] as in PyTorch.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Dense affine layer. Default init matches PyTorch: W, b ~ U(±1/√in).</summary>
public sealed class Linear : Module, ICountsMultiplyAdds, IDescribedLayer
{
    /// <summary>Creates a layer with <paramref name="inFeatures"/> inputs and <paramref name="outFeatures"/> outputs.</summary>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", new Tensor(outFeatures, inFeatures));
        float bound = 1f / MathF.Sqrt(inFeatures);
        rng.FillUniform(Weight.Data, -bound, bound);
        if (bias)
        {
            Bias = RegisterParameter("bias", new Tensor(outFeatures));
            rng.FillUniform(Bias.Data, -bound, bound);
        }
    }

    /// <summary>Number of inputs.</summary>
    public int InFeatures { get; }

    /// <summary>Number of outputs.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight [out × in].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public long DenseMacsPerSample => 3L * InFeatures * OutFeatures;

    /// <inheritdoc/>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    public LayerDescription Describe() =>
        new("dense", Sprout.Sparse.LayerGeometry.Linear(OutFeatures, InFeatures), (long)OutFeatures * InFeatures, DenseMacsPerSample, ExecutedMacsPerSample);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    public override string ToString() => $"Linear({InFeatures} → {OutFeatures})";
}
