// ModelFingerprint: a 64-bit hash of everything that must be identical on every rank: each parameter's bits,
// each sparse layer's CSR structure, and the optimizer's state. Ranks compare fingerprints (one 2-element
// all-reduce) instead of shipping the model, which is how data-parallel runs check that topology updates agreed.
// Not a cryptographic hash: it detects divergence, it does not resist forgery.
using System.Runtime.InteropServices;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;

namespace Sprout.Training.Distributed;

/// <summary>Hashes a model's topology, weights and optimizer state.</summary>
public static class ModelFingerprint
{
    private const ulong Seed = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// Hash of the sparse layers' structure and every parameter's shape (what must agree before values can be
    /// broadcast) and, unless <paramref name="structureOnly"/>, of the parameter values and optimizer state.
    /// </summary>
    public static ulong Of(Module model, Optimizer? optimizer = null, bool structureOnly = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ulong h = Seed;
        foreach (var layer in model.SparseLayers())
        {
            h = Mix(h, MemoryMarshal.AsBytes(layer.Topology.RowPointers));
            h = Mix(h, MemoryMarshal.AsBytes(layer.Topology.ColumnIndices));
        }
        var parameters = model.NamedParameters();
        for (int i = 0; i < parameters.Count; i++)
        {
            var t = parameters[i].Tensor;
            h = Step(h, (ulong)t.Size);
            if (!structureOnly) h = Mix(h, MemoryMarshal.AsBytes(t.Data));
        }
        if (optimizer is not null && !structureOnly)
            foreach (var (_, t) in optimizer.StateTensors()) h = Mix(h, MemoryMarshal.AsBytes(t.Data));
        return h;
    }

    private static ulong Mix(ulong h, ReadOnlySpan<byte> bytes)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) h = Step(h, w);
        for (int i = words.Length * 8; i < bytes.Length; i++) h = Step(h, bytes[i]);
        return Step(h, (ulong)bytes.Length);
    }

    private static ulong Step(ulong h, ulong v) => ulong.RotateLeft((h ^ v) * 0xFF51AFD7ED558CCDUL, 29);
}
