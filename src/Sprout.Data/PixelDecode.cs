// PixelDecode: one channel plane of 8-bit pixels to the floats a model sees, ((b / divisor) − mean) · inverseStd, for
// the loader's batches of a dataset held as bytes. Vectorized with AVX-512 (16 bytes zero-extended to int32 at once)
// or System.Numerics.Vector (byte → ushort → int), then convert, divide, subtract, multiply: each step an IEEE
// operation rounded once, so every lane equals the scalar expression. The division is kept (b · (1/255) differs from
// b / 255 for 126 of the 256 bytes). The tail reads the per-channel table of the same expression, which is also the
// scalar reference.
// Before normalization mean = 0 and inverseStd = 1, which leave b / divisor unchanged bit for bit.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Data;

internal static class PixelDecode
{
    /// <summary>The decoded value of byte <paramref name="b"/>: the one expression every path computes.</summary>
    public static float Value(int b, float divisor, float mean, float inverseStd) => (b / divisor - mean) * inverseStd;

    /// <summary>
    /// destination[i] = Value(source[i], …) for one plane; <paramref name="table"/>[b] must hold Value(b, …) (it serves
    /// the tail). Lengths of source and destination must match.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // like the kernels: a hot loop tiering may reach late or never
    public static void Plane(ReadOnlySpan<byte> source, Span<float> destination, float divisor, float mean, float inverseStd, ReadOnlySpan<float> table)
    {
        if (source.Length != destination.Length)
            throw new ArgumentException($"Lengths differ: {source.Length} bytes, {destination.Length} floats.", nameof(destination));
        int i = 0;
        if (Avx512F.IsSupported && source.Length >= Vector128<byte>.Count)
        {
            // One zero-extension per 16 pixels (vpmovzxbd), rather than two widening steps.
            var d = Vector512.Create(divisor);
            var m = Vector512.Create(mean);
            var s = Vector512.Create(inverseStd);
            ref byte from = ref MemoryMarshal.GetReference(source);
            ref float to = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                Vector512<float> x = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref from, (nuint)i)));
                ((x / d - m) * s).StoreUnsafe(ref to, (nuint)i);
            }
        }
        else if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var d = new Vector<float>(divisor);
            var m = new Vector<float>(mean);
            var s = new Vector<float>(inverseStd);
            ReadOnlySpan<Vector<byte>> bytes = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            Span<Vector<float>> floats = MemoryMarshal.Cast<float, Vector<float>>(destination[..(bytes.Length * Vector<byte>.Count)]);
            for (int v = 0; v < bytes.Length; v++)
            {
                Vector.Widen(bytes[v], out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> e);
                floats[4 * v] = (Vector.ConvertToSingle(Vector.AsVectorInt32(a)) / d - m) * s;
                floats[4 * v + 1] = (Vector.ConvertToSingle(Vector.AsVectorInt32(b)) / d - m) * s;
                floats[4 * v + 2] = (Vector.ConvertToSingle(Vector.AsVectorInt32(c)) / d - m) * s;
                floats[4 * v + 3] = (Vector.ConvertToSingle(Vector.AsVectorInt32(e)) / d - m) * s;
            }
            i = bytes.Length * Vector<byte>.Count;
        }
        for (; i < source.Length; i++) destination[i] = table[source[i]];
    }
}
