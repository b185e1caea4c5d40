// LayerPoint: one layer's entry of a topology.jsonl line.
namespace Sprout.Reporting.Report;

/// <summary>A sparse layer's structure after an update, and what the update changed.</summary>
public sealed record LayerPoint(string Name, int Rows, int Cols, int Nnz, double Density, int Dropped, int Grown, int Regrown);
