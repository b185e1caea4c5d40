// Rng: the project's one random number generator (xoshiro256** seeded by SplitMix64).
// Chosen over System.Random so that every stream is reproducible from a seed on every runtime, and so
// that independent streams can be derived by name without string.GetHashCode (randomized per process).
namespace Sprout.Core;

/// <summary>Deterministic, fast, non-cryptographic RNG. Not thread-safe: give each thread its own (see <see cref="Fork"/>).</summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private float _spareNormal;
    private bool _hasSpare;

    /// <summary>Creates a generator whose whole stream is determined by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A new independent generator derived from this seed and a stream name (stable across processes).</summary>
    public static Rng Derive(ulong seed, string stream) => new(seed ^ StableHash(stream));

    /// <summary>A new generator seeded from this one's next output (advances this generator once).</summary>
    public Rng Fork() => new(NextUInt64());

    /// <summary>The full generator state (for checkpoints): restoring it with <see cref="SetState"/> resumes the exact stream.</summary>
    public RngState GetState() => new(_s0, _s1, _s2, _s3, _hasSpare ? BitConverter.SingleToUInt32Bits(_spareNormal) : 0, _hasSpare);

    /// <summary>Restores a state captured by <see cref="GetState"/>.</summary>
    /// <exception cref="ArgumentException">The state is all zeros, which xoshiro cannot leave (it was not produced by GetState).</exception>
    public void SetState(RngState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("An all-zero RNG state is invalid; use a state returned by GetState.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
        _hasSpare = state.HasSpareNormal;
        _spareNormal = BitConverter.UInt32BitsToSingle(state.SpareNormalBits);
    }

    /// <summary>FNV-1a 64-bit hash of a string: stable across processes and runtimes.</summary>
    public static ulong StableHash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = System.Numerics.BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = System.Numerics.BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, maxExclusive) without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
        return (int)NextBounded((ulong)maxExclusive);
    }

    /// <summary>Uniform 64-bit integer in [0, maxExclusive).</summary>
    public long NextLong(long maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
        return (long)NextBounded((ulong)maxExclusive);
    }

    /// <summary>Uniform float in [0, 1) with 24 bits of precision.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [0, 1) with 53 bits of precision.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [low, high).</summary>
    public float Uniform(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>Standard normal sample (Box–Muller; the second value is cached).</summary>
    public float Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = (float)(r * Math.Sin(2 * Math.PI * u2));
        _hasSpare = true;
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>Fills with U[low, high).</summary>
    public void FillUniform(Span<float> dst, float low, float high)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = Uniform(low, high);
    }

    /// <summary>Fills with N(mean, std²).</summary>
    public void FillNormal(Span<float> dst, float mean, float std)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = mean + std * Normal();
    }

    /// <summary>In-place Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private ulong NextBounded(ulong bound)
    {
        // Lemire: multiply-high, reject the small biased zone.
        ulong x = NextUInt64();
        UInt128 m = (UInt128)x * bound;
        ulong low = (ulong)m;
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold)
            {
                x = NextUInt64();
                m = (UInt128)x * bound;
                low = (ulong)m;
            }
        }
        return (ulong)(m >> 64);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A snapshot of an <see cref="Rng"/>: the four xoshiro words and the cached normal sample.</summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3, uint SpareNormalBits, bool HasSpareNormal);
