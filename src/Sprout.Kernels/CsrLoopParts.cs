// The type arguments of the CSR loops besides the vector width (which is ISimd, Simd.cs): how a loop position maps
// to a value (identity for CSR, a permutation for the CSC view) and what SpMM does to an output before storing it.
// Structs so the JIT specialises each loop for them; nothing here allocates.
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>How a loop position q maps to an index into the value array: identity for CSR, a permutation for the CSC view.</summary>
    internal unsafe interface IValueMap
    {
        static abstract int Map(int* permutation, int q);
    }

    internal unsafe readonly struct DirectValues : IValueMap
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Map(int* permutation, int q) => q;
    }

    internal unsafe readonly struct PermutedValues : IValueMap
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Map(int* permutation, int q) => permutation[q];
    }

    /// <summary>
    /// What SpMM does to each output element before storing it: nothing (default), or y = act(acc + bias[r]) with act the
    /// ReLU or the identity; the same operations in the same order as <see cref="FeatureBias.Forward"/>, so the same bits.
    /// </summary>
    internal readonly unsafe struct Epilogue(float* bias, bool relu)
    {
        private readonly float* _bias = bias;
        private readonly bool _relu = relu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public RowEpilogue<TV> For<TS, TV>(int row) where TS : struct, ISimd<TV> where TV : struct =>
            new(_bias != null || _relu, TS.Splat(_bias != null ? _bias[row] : 0f), _relu);
    }

    /// <summary>The epilogue of one output row: its bias broadcast to a register.</summary>
    internal readonly struct RowEpilogue<TV>(bool active, TV bias, bool relu) where TV : struct
    {
        private readonly TV _bias = bias;
        private readonly bool _active = active, _relu = relu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TV Apply<TS>(TV acc) where TS : struct, ISimd<TV>
        {
            if (!_active) return acc;
            TV v = TS.Add(acc, _bias);
            return _relu ? TS.ZeroWhereNotPositive(v) : v;
        }
    }
}
