// ModelRegistry: the only map from model names to constructors. Input shape and classes come from the dataset, so
// a spec only says what differs between architectures (the hidden sizes of an MLP, the depth of a ResNet). A model
// is built from a layer factory, which the training method chooses (dense, sparse at planned densities, Top-KAST,
// pruned). Conv nets (Sprout.Nn.ConvModels) and ViTs (Sprout.Nn.SimpleVit, specs parsed by VitSpec) get the sample's
// C×H×W; an MLP gets C·H·W features. What a model initialises itself rather than through the factory (a ViT's class
// token and learned positions) draws from a stream derived from the run's seed, the same for every build of a run.
// To add a model: one entry in Entries with its syntax, an example and a builder that takes an ILayerFactory.
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;

namespace Sprout.Cli.Models;

/// <summary>Builds models from <c>--model</c> specs.</summary>
public static class ModelRegistry
{
    /// <summary>The shape specs are checked against when no dataset is known (CIFAR's 3×32×32, 10 classes).</summary>
    public static readonly ImageShape DefaultShape = new(3, 32, 32);

    /// <summary>The known model kinds.</summary>
    public static IReadOnlyList<ModelEntry> Entries { get; } =
    [
        new("mlp", "mlp:H1,H2,...", "mlp:300,100", "fully connected ReLU network with the given hidden sizes (mlp = mlp:300,100)",
            (spec, input, classes, factory, _) =>
            {
                int[] hidden = spec.PositiveInts("mlp:300,100");
                return Sprout.Nn.Models.Mlp(input.Size, spec.Arguments.Length == 0 ? [300, 100] : hidden, classes, factory);
            }),
        new("linear", "linear", "linear", "a single linear layer (multinomial logistic regression)",
            (spec, input, classes, factory, _) =>
            {
                if (spec.Arguments.Length > 0) throw new UsageException($"Bad model spec '{spec.Text}': linear takes no arguments.");
                return Sprout.Nn.Models.Mlp(input.Size, [], classes, factory);
            }),
        Conv("lenet5", "lenet5", "Caffe LeNet-5 (conv 20 5×5, pool, conv 50 5×5, pool, fc 500), as in sparse momentum"),
        Conv("vgg16", "vgg16", "CIFAR VGG-16 with BatchNorm (13 3×3 convs, 5 max pools, one linear head)"),
        Conv("resnet20", "resnetN", "He et al. CIFAR ResNet, N = 6n+2 (resnet20, resnet32, resnet56, …)",
            kind => kind.StartsWith("resnet", StringComparison.Ordinal) && kind != "resnet18"),
        Conv("resnet18", "resnet18", "CIFAR ResNet-18 (3×3 stem of 64, stages 64/128/256/512)"),
        Conv("wrn-22-2", "wrn-D-K", "Wide ResNet of depth D = 6n+4 and width factor K (wrn-22-2, wrn-28-2, wrn-28-10, …)",
            kind => kind.StartsWith("wrn-", StringComparison.Ordinal)),
        new("vit", "vit:patch=P,dim=D,depth=L,heads=H,mlp=M[,head=d][,pool=mean|cls][,pos=sincos|learned][,norm=tokens|pooled]", VitSpec.Example,
            "vision transformer (simple_vit: patch embedding, pre-norm blocks, sin-cos positions, mean pooling); every Linear from the method's factory",
            Vit),
        new("vit-tiny", "vit-tiny[:width=W]", "vit-tiny", "GSE's simple-vit-tiny (patch 4, dim 512, depth 4, 6 heads of 64, MLP 256); width=W scales dim, heads and MLP",
            Vit),
    ];

    /// <summary>Every syntax, for errors and help: "mlp:H1,H2,..., linear, lenet5, …".</summary>
    public static string Syntaxes => string.Join(", ", Entries.Select(e => e.Syntax));

    /// <summary>
    /// Checks a spec by recording a throwaway copy (no weights) for dataset <paramref name="data"/>'s sample shape and
    /// classes (3×32×32 and 10 when the dataset is null or unknown), so errors appear before data loads.
    /// </summary>
    /// <exception cref="UsageException">Unknown kind, bad arguments, or an architecture that does not fit the dataset's images.</exception>
    public static void Validate(string spec, string? data = null)
    {
        var (shape, classes) = data is not null && DatasetRegistry.IsKnown(data) ? DatasetRegistry.ShapeOf(data) : (DefaultShape, 10);
        Build(spec, shape, classes, new RecordingLayerFactory(), 0, data);
    }

    /// <summary>
    /// The builder of <paramref name="text"/>'s model for a dataset: give it a layer factory, get the model. Every call
    /// initialises what the model owns outside the factory (a ViT's class token) from <paramref name="seed"/> alike.
    /// </summary>
    /// <exception cref="UsageException">(When called) unknown kind or bad arguments.</exception>
    public static Func<ILayerFactory, Module> Builder(string text, ImageShape input, int classes, ulong seed = 0) =>
        factory => Build(text, input, classes, factory, seed, null);

    /// <summary>Builds the model for samples of shape <paramref name="input"/> and <paramref name="classes"/> classes,
    /// its weight layers made by <paramref name="factory"/>.</summary>
    /// <exception cref="UsageException">Unknown kind, bad arguments, or inputs the architecture cannot take.</exception>
    public static Module Build(string text, ImageShape input, int classes, ILayerFactory factory, ulong seed = 0) =>
        Build(text, input, classes, factory, seed, null);

    private static Module Build(string text, ImageShape input, int classes, ILayerFactory factory, ulong seed, string? data)
    {
        var spec = ModelSpec.Parse(text);
        foreach (var e in Entries)
        {
            if (!e.Accepts(spec.Kind)) continue;
            try
            {
                return e.Build(spec, input, classes, factory, Rng.Derive(seed, "model.own"));
            }
            catch (ArgumentException ex)
            {
                string on = data is null ? $"{input} inputs" : $"{data} ({input})";
                throw new UsageException($"Cannot build model '{text}' for {on}: {ex.Message}", ex);
            }
        }
        throw new UsageException($"Unknown model '{spec.Kind}' in --model {text}; valid: {Syntaxes} (e.g. --model mlp:300,100, --model resnet20 or --model {VitSpec.Example}).");
    }

    // A conv net of Sprout.Nn.ConvModels: the whole spec is its name ("resnet20", "wrn-22-2"), no arguments.
    private static ModelEntry Conv(string kind, string syntax, string description, Func<string, bool>? matches = null) =>
        new(kind, syntax, kind, description, (spec, input, classes, factory, _) =>
        {
            if (!ConvModels.IsConvModel(spec.Kind))
                throw new UsageException($"Unknown model '{spec.Kind}' in --model {spec.Text}; {syntax} needs {Family(syntax)}; valid conv nets: {ConvModels.Names}.");
            if (spec.Arguments.Length > 0)
                throw new UsageException($"Bad model spec '{spec.Text}': {spec.Kind} takes no arguments; write --model {spec.Kind}.");
            return ConvModels.Build(spec.Kind, factory, input.Channels, input.Height, input.Width, classes);
        }, matches);

    // A ViT: the spec's own syntax errors are reported as they are; errors of fit (a patch that does not divide the
    // image) go through Build's "Cannot build model … for <data>" wrapper.
    private static Module Vit(ModelSpec spec, ImageShape input, int classes, ILayerFactory factory, Rng rng)
    {
        VitConfig config;
        try
        {
            config = VitSpec.Parse(spec.Text, input.Channels, input.Height, input.Width, classes);
        }
        catch (ArgumentException ex) when (ex.Message.StartsWith("Bad model spec", StringComparison.Ordinal))
        {
            throw new UsageException(ex.Message, ex);
        }
        return new SimpleVit(config, factory, rng);
    }

    private static string Family(string syntax) => syntax switch
    {
        "resnetN" => "a depth N = 6n+2 of at least 8 (resnet20, resnet32, resnet56)",
        "wrn-D-K" => "a depth D = 6n+4 of at least 10 and a width K ≥ 1 (wrn-22-2, wrn-28-10)",
        _ => "no arguments",
    };
}
