// A narrow matrix as a block of columns of a wider one: the kernel behind concatenation along any axis (view
// every operand as [outer × inner], with outer the product of the dimensions before the axis) and its backward.
// Row copies and row adds over contiguous runs; nothing to vectorize beyond what CopyTo and TensorPrimitives do.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Copies between a [outer × inner] matrix and columns [offset, offset + inner) of a [outer × width] matrix.</summary>
public static class ColumnBlock
{
    /// <summary>wide[o, offset + c] (=|+=) block[o, c] for o &lt; outer, c &lt; inner.</summary>
    /// <exception cref="ArgumentException">A size is negative, the block does not fit in the width, or a span is too short.</exception>
    public static void Insert(ReadOnlySpan<float> block, Span<float> wide, int outer, int inner, int width, int offset, bool accumulate = false)
    {
        Validate(block.Length, wide.Length, outer, inner, width, offset);
        for (int o = 0; o < outer; o++)
        {
            var src = block.Slice(o * inner, inner);
            var dst = wide.Slice(o * width + offset, inner);
            if (accumulate) TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    /// <summary>block[o, c] (=|+=) wide[o, offset + c] for o &lt; outer, c &lt; inner.</summary>
    /// <exception cref="ArgumentException">A size is negative, the block does not fit in the width, or a span is too short.</exception>
    public static void Extract(ReadOnlySpan<float> wide, Span<float> block, int outer, int inner, int width, int offset, bool accumulate = false)
    {
        Validate(block.Length, wide.Length, outer, inner, width, offset);
        for (int o = 0; o < outer; o++)
        {
            var src = wide.Slice(o * width + offset, inner);
            var dst = block.Slice(o * inner, inner);
            if (accumulate) TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    private static void Validate(int blockLength, int wideLength, int outer, int inner, int width, int offset)
    {
        if (outer < 0 || inner < 0 || width < 0 || offset < 0)
            throw new ArgumentException($"Sizes must be non-negative (outer={outer}, inner={inner}, width={width}, offset={offset}).");
        if ((long)offset + inner > width) throw new ArgumentException($"A block of {inner} columns at {offset} does not fit in width {width}.");
        Simd.RequireLength(checked(outer * inner), blockLength, "block");
        Simd.RequireLength(checked(outer * width), wideLength, "wide");
    }

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="ColumnBlock.Insert"/>
        public static void Insert(ReadOnlySpan<float> block, Span<float> wide, int outer, int inner, int width, int offset, bool accumulate = false)
        {
            for (int o = 0; o < outer; o++)
                for (int c = 0; c < inner; c++)
                    wide[o * width + offset + c] = (accumulate ? wide[o * width + offset + c] : 0f) + block[o * inner + c];
        }

        /// <inheritdoc cref="ColumnBlock.Extract"/>
        public static void Extract(ReadOnlySpan<float> wide, Span<float> block, int outer, int inner, int width, int offset, bool accumulate = false)
        {
            for (int o = 0; o < outer; o++)
                for (int c = 0; c < inner; c++)
                    block[o * inner + c] = (accumulate ? block[o * inner + c] : 0f) + wide[o * width + offset + c];
        }
    }
}
