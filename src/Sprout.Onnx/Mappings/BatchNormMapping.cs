// BatchNormMapping: BatchNorm2d as ONNX BatchNormalization in inference mode: y = (x − running_mean) / √(running_var + ε)·γ + β
// per channel (axis 1 of NCHW), exactly what Sprout computes in evaluation mode. Without affine parameters γ = 1, β = 0.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="BatchNorm2d"/> as BatchNormalization with its running statistics.</summary>
public sealed class BatchNormMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not BatchNorm2d bn) return null;
        long[] dims = [bn.Channels];
        float[]? ones = bn.Gamma is null ? Enumerable.Repeat(1f, bn.Channels).ToArray() : null;
        string scale = graph.Initializer(path + ".weight", dims, bn.Gamma is null ? ones : bn.Gamma.Data);
        string shift = graph.Initializer(path + ".bias", dims, bn.Beta is null ? new float[bn.Channels] : bn.Beta.Data);
        string mean = graph.Initializer(path + ".running_mean", dims, bn.RunningMean.Data);
        string variance = graph.Initializer(path + ".running_var", dims, bn.RunningVar.Data);
        return graph.Node("BatchNormalization", [input, scale, shift, mean, variance], path + ".out", OnnxGraph.Float("epsilon", bn.Eps));
    }
}
