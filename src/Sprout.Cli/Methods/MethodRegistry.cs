// MethodRegistry: the only map from --method names to TrainingMethod instances.
namespace Sprout.Cli.Methods;

/// <summary>Known training methods.</summary>
public static class MethodRegistry
{
    /// <summary>All methods, in help order.</summary>
    public static IReadOnlyList<TrainingMethod> All { get; } = [new DenseMethod()];

    /// <summary>The method with this name.</summary>
    /// <exception cref="UsageException">No method has that name; the message lists the valid ones.</exception>
    public static TrainingMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name.ToLowerInvariant())
        ?? throw new UsageException($"Unknown method '{name}'; valid: {string.Join(", ", All.Select(m => m.Name))}.");
}
