// TopologyPoint: one topology.jsonl line (the start of training, or one topology update).
namespace Sprout.Reporting.Report;

/// <summary>The sparse layers at a step: "start" or after an "update".</summary>
public sealed record TopologyPoint(long Step, int Epoch, string Event, IReadOnlyList<LayerPoint> Layers);
