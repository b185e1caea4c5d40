// IKeepsBatch: a layer that keeps its last batch (input and output gradient) for the topology methods that read it.
// The training driver and the trainer switch, pause and release that batch through this one interface, whatever
// the layer's kind (SparseLinear, SparseConv2d), instead of testing for each class.
namespace Sprout.Nn;

/// <summary>A layer that can keep its last batch for a topology update; the caller decides when, and hands it back.</summary>
public interface IKeepsBatch
{
    /// <summary>Whether the layer keeps its batch at all (false under a fixed topology: nothing reads it).</summary>
    bool CachesBatch { get; set; }

    /// <summary>Skip keeping on steps whose batch no method reads (no effect while <see cref="CachesBatch"/> is false).</summary>
    bool CachePaused { get; set; }

    /// <summary>Hands the kept batch back to the tape, so the next step rents the same buffers.</summary>
    void ReleaseBatch();
}
