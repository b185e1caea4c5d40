// SafetensorsEntry: one tensor's header record in a safetensors file (name, shape, byte range).
// It is a description only; the bytes live in the owning SafetensorsFile.
namespace Sprout.Training.Checkpoints;

/// <summary>
/// One tensor described by a safetensors header. <see cref="Begin"/> and <see cref="End"/> are byte
/// offsets relative to the first byte after the header (the spec's <c>data_offsets</c>).
/// </summary>
/// <param name="Name">Tensor name, e.g. "layers.0.weight".</param>
/// <param name="Shape">Dimensions, outermost first (empty for a scalar).</param>
/// <param name="Begin">First byte of the tensor's data, relative to the data section.</param>
/// <param name="End">One past the last byte.</param>
/// <param name="Dtype">"F32", "F64", "I32" or "I64".</param>
public sealed record SafetensorsEntry(string Name, int[] Shape, long Begin, long End, string Dtype = "F32")
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}
