// ModelRegistry: the only map from model names to constructors. Inputs and classes come from the
// dataset, so a spec only says what differs between architectures (the hidden sizes of an MLP). A model is built
// from a layer factory, which the training method chooses (dense, sparse at planned densities, Top-KAST, pruned).
// To add a model: one entry in Entries with its syntax, an example and a builder that takes an ILayerFactory.
using Sprout.Nn;

namespace Sprout.Cli.Models;

/// <summary>Builds models from <c>--model</c> specs.</summary>
public static class ModelRegistry
{
    /// <summary>The known model kinds.</summary>
    public static IReadOnlyList<ModelEntry> Entries { get; } =
    [
        new("mlp", "mlp:H1,H2,...", "mlp:300,100", "fully connected ReLU network with the given hidden sizes (mlp = mlp:300,100)",
            (spec, inputs, classes, factory) =>
            {
                int[] hidden = spec.PositiveInts("mlp:300,100");
                return Sprout.Nn.Models.Mlp(inputs, spec.Arguments.Length == 0 ? [300, 100] : hidden, classes, factory);
            }),
        new("linear", "linear", "linear", "a single linear layer (multinomial logistic regression)",
            (spec, inputs, classes, factory) =>
            {
                if (spec.Arguments.Length > 0) throw new UsageException($"Bad model spec '{spec.Text}': linear takes no arguments.");
                return Sprout.Nn.Models.Mlp(inputs, [], classes, factory);
            }),
    ];

    /// <summary>Checks a spec by recording a throwaway copy for 1 input and 2 classes (no weights; reports errors before data loads).</summary>
    /// <exception cref="UsageException">Unknown kind or bad arguments.</exception>
    public static void Validate(string spec) => Build(spec, 1, 2, new RecordingLayerFactory());

    /// <summary>The builder of <paramref name="text"/>'s model for a dataset: give it a layer factory, get the model.</summary>
    /// <exception cref="UsageException">(When called) unknown kind or bad arguments.</exception>
    public static Func<ILayerFactory, Module> Builder(string text, int inputs, int classes) => factory => Build(text, inputs, classes, factory);

    /// <summary>Builds the model for a dataset with <paramref name="inputs"/> features and <paramref name="classes"/> classes,
    /// its weight layers made by <paramref name="factory"/>.</summary>
    /// <exception cref="UsageException">Unknown kind or bad arguments.</exception>
    public static Module Build(string text, int inputs, int classes, ILayerFactory factory)
    {
        var spec = ModelSpec.Parse(text);
        foreach (var e in Entries)
        {
            if (e.Kind != spec.Kind) continue;
            try
            {
                return e.Build(spec, inputs, classes, factory);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"Cannot build model '{text}': {ex.Message}", ex);
            }
        }
        throw new UsageException($"Unknown model '{spec.Kind}' in --model {text}; valid: {string.Join(", ", Entries.Select(e => e.Syntax))} (e.g. --model mlp:300,100).");
    }
}
