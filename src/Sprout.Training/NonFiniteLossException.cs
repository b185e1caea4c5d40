// NonFiniteLossException: training hit a NaN or infinite loss, or (checked once per epoch) a parameter
// became NaN/infinite while the loss stayed finite (ReLU maps NaN to 0, which can hide a NaN from the
// loss). The trainer throws it before the bad gradient is applied or before epoch-end callbacks run, so
// the last checkpoint is always the last good state.
namespace Sprout.Training;

/// <summary>The loss became NaN or infinite; training stopped before applying the step.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception for a loss value seen at a given epoch and step.</summary>
    public NonFiniteLossException(int epoch, int step, int batch, float loss)
        : base($"Loss became {(float.IsNaN(loss) ? "NaN" : loss.ToString(System.Globalization.CultureInfo.InvariantCulture))} at epoch {epoch}, step {step} (batch {batch + 1}).")
    {
        Epoch = epoch;
        Step = step;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>Creates the exception for a parameter found non-finite at the end of an epoch.</summary>
    public NonFiniteLossException(int epoch, int step, string parameter)
        : base($"Parameter '{parameter}' became NaN or infinite during epoch {epoch} (by step {step}) although the loss stayed finite.")
    {
        Epoch = epoch;
        Step = step;
        Batch = -1;
        Loss = float.NaN;
        Parameter = parameter;
    }

    /// <summary>The non-finite parameter's name, when the loss itself stayed finite.</summary>
    public string? Parameter { get; }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The step that would have been taken (1-based).</summary>
    public int Step { get; }

    /// <summary>0-based batch index within the epoch (−1 when found at the epoch's end).</summary>
    public int Batch { get; }

    /// <summary>The offending loss value.</summary>
    public float Loss { get; }
}
