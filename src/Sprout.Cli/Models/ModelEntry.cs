// ModelEntry: one model kind known to ModelRegistry: its --model syntax, an example, and its builder (which asks a
// layer factory for its weight layers, so one entry serves dense, sparse, Top-KAST and recording builds).
using Sprout.Nn;

namespace Sprout.Cli.Models;

/// <summary>A model kind: syntax and example for help and errors, and its factory.</summary>
/// <param name="Kind">Name before the colon, e.g. "mlp".</param>
/// <param name="Syntax">Syntax shown in errors, e.g. "mlp:H1,H2,...".</param>
/// <param name="Example">A valid spec, e.g. "mlp:300,100".</param>
/// <param name="Description">One line for help.</param>
/// <param name="Build">Builder: (parsed spec, input features, classes, layer factory) → model.</param>
public sealed record ModelEntry(string Kind, string Syntax, string Example, string Description, Func<ModelSpec, int, int, ILayerFactory, Module> Build);
