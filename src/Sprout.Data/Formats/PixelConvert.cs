// PixelConvert: bytes to float32 divided by 255 (or 16), for IdxReader.ReadImages (datasets keep 8-bit pixels as bytes and decode per batch).
// Vectorized with System.Numerics.Vector widening (byte → ushort → uint → float); the scalar loop handles
// the tail and hardware without SIMD. Not a general conversion kernel: it lives here because only Data needs it.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Sprout.Data.Formats;

internal static class PixelConvert
{
    /// <summary>
    /// destination[i] = source[i] / divisor, correctly rounded (a true division, not a multiply by the
    /// reciprocal, so values equal what PyTorch's ToTensor produces bit for bit). Lengths must match.
    /// </summary>
    public static void Divide(ReadOnlySpan<byte> source, Span<float> destination, float divisor)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Lengths differ: {source.Length} bytes, {destination.Length} floats.", nameof(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var d = new Vector<float>(divisor);
            ReadOnlySpan<Vector<byte>> bytes = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            Span<Vector<float>> floats = MemoryMarshal.Cast<float, Vector<float>>(destination);
            for (int v = 0; v < bytes.Length; v++)
            {
                Vector.Widen(bytes[v], out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> e);
                floats[4 * v] = Vector.ConvertToSingle(a) / d;
                floats[4 * v + 1] = Vector.ConvertToSingle(b) / d;
                floats[4 * v + 2] = Vector.ConvertToSingle(c) / d;
                floats[4 * v + 3] = Vector.ConvertToSingle(e) / d;
            }
            i = bytes.Length * Vector<byte>.Count;
        }
        for (; i < source.Length; i++) destination[i] = source[i] / divisor;
    }
}
