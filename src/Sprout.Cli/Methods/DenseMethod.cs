// DenseMethod: ordinary dense training, the baseline every sparse method is compared against.
namespace Sprout.Cli.Methods;

/// <summary>Dense training (no sparsity).</summary>
public sealed class DenseMethod : TrainingMethod
{
    /// <inheritdoc/>
    public override string Name => "dense";

    /// <inheritdoc/>
    public override string Description => "ordinary dense training (the baseline)";
}
