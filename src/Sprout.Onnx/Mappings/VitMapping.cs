// VitMapping: a SimpleVit as ONNX ops. Tokens travel as rows [N·T, D] as in Sprout, so every Linear (dense, CSR,
// masked, Top-KAST) goes through LinearMapping's Gemm unchanged; only the steps that see the token axis reshape to
// [N, T, D] and back (Reshape with −1 for the symbolic batch):
//   patchify   Reshape [N, C, Hp, p, Wp, p] → Transpose (0, 2, 4, 3, 5, 1) → Reshape [N·Hp·Wp, p·p·C]: simple_vit's
//              (p1, p2, c) feature order, token (i, j) row-major, exactly Kernels.Patches
//   positions  Add of the sin-cos table [patches, D] (an initializer: fixed, not a parameter) or the learned one
//   class token  Expand of cls_token to [N, 1, D] (batch from Shape), Concat before the patch tokens
//   pooling    ReduceMean over the token axis, or Gather of token 0
// The blocks go through VitBlockMapping, the LayerNorms through LayerNormMapping.
using Sprout.Core;
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="SimpleVit"/>: patch embedding, positions, class token, blocks, final norm, pooling and head.</summary>
public sealed class VitMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not SimpleVit vit) return null;
        var c = vit.Config;
        string x = Patchify(graph, path, input, c);
        x = graph.EmitChild(vit, "patch_norm", path, x);
        x = graph.EmitChild(vit, "embed", path, x);
        x = graph.EmitChild(vit, "embed_norm", path, x);
        if (vit.SinCosTable is Tensor table) x = AddPositions(graph, Join(path, "sincos_table"), x, table, c.Patches, c.Dim);
        if (vit.ClassToken is Tensor token) x = PrependToken(graph, Join(path, "cls_token"), x, token, c.Patches, c.Dim);
        if (vit.LearnedPositions is Tensor positions) x = AddPositions(graph, Join(path, "pos_embedding"), x, positions, c.Tokens, c.Dim);
        x = graph.EmitChild(vit, "blocks", path, x);
        if (!c.NormAfterPool) x = graph.EmitChild(vit, "norm", path, x);
        x = c.Pool == VitPool.ClassToken ? FirstToken(graph, path, x, c) : MeanTokens(graph, path, x, c);
        if (c.NormAfterPool) x = graph.EmitChild(vit, "norm", path, x);
        return graph.EmitChild(vit, "head", path, x);
    }

    /// <summary>Token rows [N·T, D] as [N, T, D].</summary>
    public static string TokensOf(OnnxGraph graph, string path, string rows, int tokens, int width) =>
        graph.Node("Reshape", [rows, graph.Int64s(path + ".tokens_shape", -1, tokens, width)], path + ".tokens");

    /// <summary>[N, T, D] (or any [.., D]) as token rows [N·T, D].</summary>
    public static string RowsOf(OnnxGraph graph, string path, string tokens, int width) =>
        graph.Node("Reshape", [tokens, graph.Int64s(path + ".rows_shape", -1, width)], path + ".rows");

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Patchify(OnnxGraph graph, string path, string input, VitConfig c)
    {
        int p = c.Patch, hp = c.Height / p, wp = c.Width / p;
        string at = Join(path, "patchify");
        string split = graph.Node("Reshape", [input, graph.Int64s(at + ".image_shape", -1, c.Channels, hp, p, wp, p)], at + ".image");
        string moved = graph.Node("Transpose", [split], at + ".transpose", OnnxGraph.Ints("perm", 0, 2, 4, 3, 5, 1));
        return RowsOf(graph, at, moved, c.PatchDim);
    }

    private static string AddPositions(OnnxGraph graph, string name, string rows, Tensor table, int tokens, int width)
    {
        string t = graph.Initializer(name, [tokens, width], table.Data);
        string sum = graph.Node("Add", [TokensOf(graph, name, rows, tokens, width), t], name + ".add");
        return RowsOf(graph, name, sum, width);
    }

    private static string PrependToken(OnnxGraph graph, string name, string rows, Tensor token, int patches, int width)
    {
        string patchTokens = TokensOf(graph, name, rows, patches, width);
        string batch = graph.Node("Shape", [patchTokens], name + ".batch", OnnxGraph.Int("start", 0), OnnxGraph.Int("end", 1));
        string shape = graph.Node("Concat", [batch, graph.Int64s(name + ".one_token", 1, width)], name + ".expand_shape", OnnxGraph.Int("axis", 0));
        string tokens = graph.Node("Expand", [graph.Initializer(name, [1, 1, width], token.Data), shape], name + ".expand");
        return RowsOf(graph, name, graph.Node("Concat", [tokens, patchTokens], name + ".concat", OnnxGraph.Int("axis", 1)), width);
    }

    private static string FirstToken(OnnxGraph graph, string path, string rows, VitConfig c)
    {
        string at = Join(path, "pool");
        return graph.Node("Gather", [TokensOf(graph, at, rows, c.Tokens, c.Dim), graph.Int64Initializer(at + ".index", [], 0)], at + ".cls", OnnxGraph.Int("axis", 1));
    }

    // ReduceMean took its axes as an attribute up to opset 17 and as an input from opset 18.
    private static string MeanTokens(OnnxGraph graph, string path, string rows, VitConfig c)
    {
        string at = Join(path, "pool");
        string tokens = TokensOf(graph, at, rows, c.Tokens, c.Dim);
        return graph.Options.Opset >= 18
            ? graph.Node("ReduceMean", [tokens, graph.Int64s(at + ".axes", 1)], at + ".mean", OnnxGraph.Int("keepdims", 0))
            : graph.Node("ReduceMean", [tokens], at + ".mean", OnnxGraph.Ints("axes", 1), OnnxGraph.Int("keepdims", 0));
    }
}
