// VitBlockMapping: the parts of a ViT block over token rows [N·T, D], their projections emitted through the graph
// (so a CSR, masked or Top-KAST qkv/out/fc1/fc2 exports as LinearMapping stores it):
//   VitBlock      x + attn(x), then + mlp(·): two Adds
//   VitAttention  LayerNorm → qkv Gemm → Reshape [N, T, 3, h, d] → Transpose (2, 0, 3, 1, 4) → Gather 0/1/2 = q, k, v
//                 [N, h, T, d] (qkv's columns are q heads, k heads, v heads) → MatMul(q, kᵀ) · (1/√d) → Softmax(−1)
//                 → MatMul(·, v) → Transpose (0, 2, 1, 3) → Reshape [N·T, h·d] → out Gemm
//   VitMlp        LayerNorm → fc1 → GELU → fc2, with the exact GELU x·½(1 + erf(x/√2)) as Sprout computes it
//                 (ONNX's Gelu op exists only from opset 20).
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="VitBlock"/>, <see cref="VitAttention"/> and <see cref="VitMlp"/>.</summary>
public sealed class VitBlockMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph) => module switch
    {
        VitBlock block => Block(block, path, input, graph),
        VitAttention attention => Attention(attention, path, input, graph),
        VitMlp mlp => Mlp(mlp, path, input, graph),
        _ => null,
    };

    private static string Block(VitBlock block, string path, string input, OnnxGraph graph)
    {
        string x = graph.Node("Add", [input, graph.EmitChild(block, "attn", path, input)], path + ".attn_residual");
        return graph.Node("Add", [x, graph.EmitChild(block, "mlp", path, x)], path + ".mlp_residual");
    }

    private static string Attention(VitAttention a, string path, string input, OnnxGraph graph)
    {
        int t = a.Tokens, h = a.Heads, d = a.HeadDim;
        string qkv = graph.EmitChild(a, "qkv", path, graph.EmitChild(a, "norm", path, input));
        string split = graph.Node("Reshape", [qkv, graph.Int64s(path + ".qkv_shape", -1, t, 3, h, d)], path + ".qkv_split");
        string heads = graph.Node("Transpose", [split], path + ".qkv_heads", OnnxGraph.Ints("perm", 2, 0, 3, 1, 4));
        string Part(int index, string name) => graph.Node("Gather", [heads, graph.Int64Initializer($"{path}.{name}_index", [], index)], $"{path}.{name}", OnnxGraph.Int("axis", 0));
        string q = Part(0, "q"), k = Part(1, "k"), v = Part(2, "v");
        string kT = graph.Node("Transpose", [k], path + ".k_t", OnnxGraph.Ints("perm", 0, 1, 3, 2));
        string scores = graph.Node("MatMul", [q, kT], path + ".scores");
        string scaled = graph.Node("Mul", [scores, graph.Initializer(path + ".scale", [], [1f / MathF.Sqrt(d)])], path + ".scaled");
        string weights = graph.Node("Softmax", [scaled], path + ".softmax", OnnxGraph.Int("axis", -1));
        string o = graph.Node("MatMul", [weights, v], path + ".context");
        string merged = graph.Node("Transpose", [o], path + ".merge", OnnxGraph.Ints("perm", 0, 2, 1, 3));
        return graph.EmitChild(a, "out", path, VitMapping.RowsOf(graph, path, merged, h * d));
    }

    private static string Mlp(VitMlp m, string path, string input, OnnxGraph graph)
    {
        string hidden = graph.EmitChild(m, "fc1", path, graph.EmitChild(m, "norm", path, input));
        return graph.EmitChild(m, "fc2", path, Gelu(graph, path + ".gelu", hidden));
    }

    private static string Gelu(OnnxGraph graph, string at, string x)
    {
        string erf = graph.Node("Erf", [graph.Node("Mul", [x, graph.Initializer(at + ".inv_sqrt2", [], [1f / MathF.Sqrt(2f)])], at + ".scaled")], at + ".erf");
        string cdf = graph.Node("Mul", [graph.Node("Add", [erf, graph.Initializer(at + ".one", [], [1f])], at + ".one_plus"), graph.Initializer(at + ".half", [], [0.5f])], at + ".cdf");
        return graph.Node("Mul", [x, cdf], at + ".out");
    }
}
