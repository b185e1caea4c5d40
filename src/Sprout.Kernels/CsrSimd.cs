// The vector-width abstraction behind the CSR kernels: one generic loop per kernel (CsrAxpyLoops.cs and
// CsrDotLoops.cs), specialised by the JIT for Vector512, Vector256, Vector128 and plain float. A kernel runs
// its widest width over as much of the batch as fits, then narrower widths over the tail, so a batch of 17
// is one 512-bit pass plus one scalar column rather than 17 scalar columns.
// Deliberately internal and nested in Csr: the dense kernels have their own helpers, and these names must not
// collide with them. Nothing here allocates; every member is a one-line forward the JIT inlines.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>Static operations on one SIMD register type <typeparamref name="TVec"/> of float lanes.</summary>
    internal unsafe interface ISimd<TVec> where TVec : struct
    {
        static abstract int Count { get; }
        static abstract TVec Zero { get; }
        static abstract TVec Load(float* p);
        static abstract void Store(float* p, TVec v);
        static abstract TVec Broadcast(float s);

        /// <summary>a·b + c, fused where the hardware has FMA (so results may differ from Scalar in the last bit).</summary>
        static abstract TVec MulAdd(TVec a, TVec b, TVec c);
        static abstract TVec Add(TVec a, TVec b);
        static abstract float Sum(TVec v);

        /// <summary>max(v, 0) per lane, with NaN passing through (as <see cref="Activations.Relu"/> and <see cref="FeatureBias"/>).</summary>
        static abstract TVec Relu(TVec v);

        /// <summary>[Σa, Σb, Σc, Σd]: four horizontal sums sharing their shuffles (cheaper than four <see cref="Sum"/>).</summary>
        static abstract Vector128<float> Sum4(TVec a, TVec b, TVec c, TVec d);
    }

    /// <summary>[Σa, Σb, Σc, Σd] of four 4-lane vectors: two rounds of pairwise horizontal adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4Lanes(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) =>
        Sse3.IsSupported
            ? Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d))
            : Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));

    internal unsafe readonly struct Simd512 : ISimd<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;
        public static Vector512<float> Zero => Vector512<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float s) => Vector512.Create(s);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> v) => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
            Simd256.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
    }

    internal unsafe readonly struct Simd256 : ISimd<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;
        public static Vector256<float> Zero => Vector256<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float s) => Vector256.Create(s);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Relu(Vector256<float> v) => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) =>
            Sum4Lanes(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
    }

    internal unsafe readonly struct Simd128 : ISimd<Vector128<float>>
    {
        public static int Count => Vector128<float>.Count;
        public static Vector128<float> Zero => Vector128<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector128<float> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float s) => Vector128.Create(s);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Relu(Vector128<float> v) => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(v, Vector128<float>.Zero), Vector128<float>.Zero, v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) => Sum4Lanes(a, b, c, d);
    }

    /// <summary>Width 1: the tail columns, and the whole batch on hardware without SIMD.</summary>
    internal unsafe readonly struct Simd1 : ISimd<float>
    {
        public static int Count => 1;
        public static float Zero => 0f;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(float* p) => *p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, float v) => *p = v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Broadcast(float s) => s;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MulAdd(float a, float b, float c) => a * b + c;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float v) => v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float v) => v <= 0 ? 0 : v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sum4(float a, float b, float c, float d) => Vector128.Create(a, b, c, d);
    }

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
            new(_bias != null || _relu, TS.Broadcast(_bias != null ? _bias[row] : 0f), _relu);
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
            return _relu ? TS.Relu(v) : v;
        }
    }
}
