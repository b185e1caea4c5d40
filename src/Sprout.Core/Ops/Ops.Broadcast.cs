// Broadcasting without a general broadcasting engine: a table added to every row block of a tensor (a positional
// embedding [N, D] over tokens [B·N, D]), and a tensor repeated along its first axis (a class token over the batch).
// Both view the big tensor as [repeats × table size]; the backward of the table is the row-bias gradient kernel.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// y = x + table, the table repeated over x viewed as [x.Size / table.Size, table.Size]: e.g. tokens [B·N, D] plus a
    /// positional table [N, D]. A table that does not require a gradient (a fixed sin-cos table) gets none.
    /// </summary>
    /// <exception cref="ArgumentException">The last dimensions differ or x's size is not a multiple of the table's.</exception>
    public static Tensor AddBroadcast(Tensor x, Tensor table)
    {
        if (table.Size == 0 || x.Dim(-1) != table.Dim(-1) || x.Size % table.Size != 0)
            throw new ArgumentException($"AddBroadcast needs x's size a multiple of the table's and equal last dimensions; got {x} and {table}.");
        int repeats = x.Size / table.Size;
        var y = Tape.NewOutput(x.Shape);
        for (int r = 0; r < repeats; r++) Elementwise.Add(x.Data.Slice(r * table.Size, table.Size), table.Data, y.Data.Slice(r * table.Size, table.Size));
        y.Layout = x.Layout;
        if (NeedsGrad(x, table))
        {
            var node = BroadcastNode.Record(Tape.Current!);
            (node.X, node.Table, node.Y, node.Repeats) = (x, table, y, repeats);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>[d0, d1, …] → [count·d0, d1, …]: <paramref name="count"/> copies of x stacked along the first axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count is negative.</exception>
    public static Tensor Tile(Tensor x, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Span<int> shape = stackalloc int[x.Rank];
        x.Shape.CopyTo(shape);
        shape[0] *= count;
        var y = Tape.NewOutput(shape);
        for (int i = 0; i < count; i++) x.Data.CopyTo(y.Data.Slice(i * x.Size, x.Size));
        if (NeedsGrad(x))
        {
            var node = BroadcastNode.Record(Tape.Current!);
            (node.X, node.Table, node.Y, node.Repeats) = (null, x, y, count);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>Y = X (if any) + Table repeated Repeats times: dX += dY, dTable += Σ over the repeats of dY.</summary>
    private sealed class BroadcastNode : Node<BroadcastNode>
    {
        public Tensor? X;
        public Tensor Table = null!, Y = null!;
        public int Repeats;

        public override void Backward()
        {
            var dy = Y.Grad;
            if (X is { RequiresGrad: true }) Elementwise.Accumulate(dy, X.Grad);
            if (Table.RequiresGrad) Bias.AddRowsBackward(dy, Table.Grad, Repeats, Table.Size);
        }

        protected override void Clear() => (X, Table, Y) = (null, null!, null!);
    }
}
