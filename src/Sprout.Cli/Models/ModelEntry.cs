// ModelEntry: one model kind known to ModelRegistry: its --model syntax, an example, and its builder (which asks a
// layer factory for its weight layers, so one entry serves dense, sparse, Top-KAST and recording builds). A builder
// gets the dataset's sample shape C×H×W: an MLP uses its size, a conv net its channels and spatial extent.
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;

namespace Sprout.Cli.Models;

/// <summary>A model kind: syntax and example for help and errors, and its factory.</summary>
/// <param name="Kind">Name before the colon, e.g. "mlp" (or a family's name, e.g. "resnet20" for resnet6n+2).</param>
/// <param name="Syntax">Syntax shown in errors, e.g. "mlp:H1,H2,...".</param>
/// <param name="Example">A valid spec, e.g. "mlp:300,100".</param>
/// <param name="Description">One line for help.</param>
/// <param name="Build">Builder: (parsed spec, input sample shape, classes, layer factory, random stream for what the model
/// initialises itself, e.g. a ViT's class token) → model.</param>
/// <param name="Matches">Which kinds the entry builds (null: exactly <paramref name="Kind"/>), for families such as wrn-D-K.</param>
public sealed record ModelEntry(string Kind, string Syntax, string Example, string Description,
    Func<ModelSpec, ImageShape, int, ILayerFactory, Rng, Module> Build, Func<string, bool>? Matches = null)
{
    /// <summary>True when this entry builds models of kind <paramref name="kind"/>.</summary>
    public bool Accepts(string kind) => Matches?.Invoke(kind) ?? kind == Kind;
}
