// ICountsMultiplyAdds: a layer states its own training cost, so that FlopCounter (in Training) needs no list of
// layer types and a new layer is counted by implementing this. Cost is multiply-adds (MACs) per sample of one
// training step: forward, input gradient and weight gradient. Not counted: biases, activations, the loss and the
// optimizer update (O(params), not O(params·batch)).
namespace Sprout.Nn;

/// <summary>A layer that reports the multiply-adds one sample costs it in a training step (forward + backward).</summary>
public interface ICountsMultiplyAdds
{
    /// <summary>MACs per sample of the same layer fully dense (forward, input gradient, weight gradient): 3·in·out for a linear layer.</summary>
    long DenseMacsPerSample { get; }

    /// <summary>MACs per sample the layer executes with its current topology. Read every step, so it must not allocate.</summary>
    long ExecutedMacsPerSample { get; }
}
