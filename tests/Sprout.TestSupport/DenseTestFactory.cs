// DenseTestFactory: a tests-only ILayerFactory that builds plain dense layers (Linear, Conv2d) from one seeded
// generator and records every request, so model tests can check paths and shapes without the real factories.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.TestSupport;

public sealed class DenseTestFactory(ulong seed = 1) : ILayerFactory
{
    private readonly Rng _rng = new(seed);

    /// <summary>Every layer requested, in order: its path and its weight shape [rows × columns].</summary>
    public List<(string Path, int Rows, int Columns)> Requests { get; } = [];

    public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true)
    {
        Requests.Add((path, outFeatures, inFeatures));
        return new Linear(inFeatures, outFeatures, _rng, bias);
    }

    public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal)
    {
        Requests.Add((path, shape.OutChannels, shape.FanIn));
        return new Conv2d(shape, _rng, bias, init);
    }
}
