// ICheckpointable: the one interface through which anything with training state beyond the model's parameters
// and the optimizer's slots (a sparse layer's structure, a method's counters, a random stream) reaches a
// checkpoint. Each component names its own tensors inside the scope it is handed, so the checkpoint code needs
// no knowledge of any particular layer or method.
namespace Sprout.Core;

/// <summary>A component whose state a checkpoint must hold for an exact resume.</summary>
public interface ICheckpointable
{
    /// <summary>Adds this component's state to <paramref name="state"/> (already scoped to the component).</summary>
    void SaveState(StateDict state);

    /// <summary>Restores what <see cref="SaveState"/> wrote; sizes come from the file, not from this object.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or does not fit this component.</exception>
    void LoadState(StateDict state);
}
