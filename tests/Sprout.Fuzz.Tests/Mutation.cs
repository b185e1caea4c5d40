// Mutation: one random edit of a valid file's bytes (flip, overwrite with a boundary value, truncate, insert,
// delete, duplicate), the generator FsCheck draws lists of them from, and their application. Positions are biased
// toward the file's head (its header), where a changed byte exercises the most validation code.
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;

namespace Sprout.Fuzz.Tests;

/// <summary>One edit: <see cref="Kind"/> at <see cref="Position"/> (modulo the length) with <see cref="Value"/>.</summary>
public sealed record Mutation(MutationKind Kind, int Position, int Value)
{
    /// <summary>Boundary values written as 32-bit integers (both byte orders): counts and lengths at their edges.</summary>
    private static readonly uint[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 20, 60000, 10000];

    /// <summary>Lists of 1–4 mutations; <paramref name="head"/> bytes at the start get half of the positions.</summary>
    public static Arbitrary<Mutation[]> Lists(int head) =>
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(One(head), n)).ToArbitrary();

    private static Gen<Mutation> One(int head) =>
        from kind in Gen.Elements(Enum.GetValues<MutationKind>())
        from inHead in Gen.Elements(true, false)
        from position in inHead ? Gen.Choose(0, Math.Max(0, head - 1)) : Gen.Choose(0, int.MaxValue)
        from value in Gen.Choose(0, 255)
        select new Mutation(kind, position, value);

    /// <summary>Applies the mutations in order to a copy of <paramref name="bytes"/>.</summary>
    public static byte[] Apply(byte[] bytes, IEnumerable<Mutation> mutations)
    {
        var data = new List<byte>(bytes);
        var word = new byte[4];
        foreach (var m in mutations)
        {
            int at = data.Count == 0 ? 0 : m.Position % data.Count;
            switch (m.Kind)
            {
                case MutationKind.FlipBit when data.Count > 0:
                    data[at] ^= (byte)(1 << (m.Value % 8));
                    break;
                case MutationKind.SetByte when data.Count > 0:
                    data[at] = (byte)m.Value;
                    break;
                case MutationKind.SetInt when data.Count >= 4:
                    at = Math.Min(at, data.Count - 4);
                    uint v = Interesting[m.Value % Interesting.Length];
                    if (m.Value % 2 == 0) BinaryPrimitives.WriteUInt32BigEndian(word, v);
                    else BinaryPrimitives.WriteUInt32LittleEndian(word, v);
                    for (int i = 0; i < 4; i++) data[at + i] = word[i];
                    break;
                case MutationKind.Truncate:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case MutationKind.Insert:
                    data.InsertRange(at, Enumerable.Repeat((byte)m.Value, 1 + m.Value % 16));
                    break;
                case MutationKind.Delete when data.Count > 0:
                    data.RemoveRange(at, Math.Min(1 + m.Value % 16, data.Count - at));
                    break;
                case MutationKind.Duplicate when data.Count > 0:
                    data.InsertRange(at, data.GetRange(at, Math.Min(1 + m.Value, data.Count - at)));
                    break;
            }
        }
        return data.ToArray();
    }
}

/// <summary>The kinds of edit a <see cref="Mutation"/> makes.</summary>
public enum MutationKind { FlipBit, SetByte, SetInt, Truncate, Insert, Delete, Duplicate }
