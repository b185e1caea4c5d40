// RecordingLayerFactory: runs a model builder without building weights, to learn every weight layer's shape
// (module path, rows × fan-in, kernel dims; a conv's ConvShape) for density allocation. A sparse model is then
// built as: record shapes → allocate (DensityPlan) → build for real with a sparse factory. Plan() does the first two.
// The modules it hands back are placeholders that cannot run: the recorded model is for its shapes only.
// With an inner factory it records and delegates (e.g. to count the layers of a model that is also used).
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn;

/// <summary>Records the shape of every layer a model builder asks for.</summary>
/// <param name="inner">Factory that builds the layers; null hands back placeholders that allocate no weights.</param>
public sealed class RecordingLayerFactory(ILayerFactory? inner = null) : LayerFactory
{
    private readonly List<LayerShape> _shapes = [];
    private readonly Dictionary<string, ConvShape> _convs = new(StringComparer.Ordinal);

    /// <summary>Every weight layer asked for, in build order: Rows = outputs, Cols = input channels (features), kernel dims.</summary>
    public IReadOnlyList<LayerShape> Shapes => _shapes;

    /// <summary>The conv layers' full geometry (stride, padding) by path.</summary>
    public IReadOnlyDictionary<string, ConvShape> ConvShapes => _convs;

    /// <summary>Runs <paramref name="build"/> on a recording factory and returns the shapes it asked for.</summary>
    public static IReadOnlyList<LayerShape> Record(Func<ILayerFactory, Module> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var recorder = new RecordingLayerFactory();
        build(recorder);
        return recorder.Shapes;
    }

    /// <summary>Records the shapes of <paramref name="build"/>'s model and allocates their densities.</summary>
    /// <exception cref="ArgumentException">The model has no weight layers, or the allocation cannot meet the budget.</exception>
    public static DensityPlan Plan(Func<ILayerFactory, Module> build, DensityAllocationOptions options) =>
        DensityPlan.Allocate(Record(build), options);

    /// <inheritdoc/>
    protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias)
    {
        _shapes.Add(new LayerShape(path, outFeatures, inFeatures));
        return inner?.Linear(path, inFeatures, outFeatures, bias) ?? new Placeholder(path);
    }

    /// <inheritdoc/>
    protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init)
    {
        // ERK's raw probability for a conv is (Cin + Cout + kh + kw) / (Cin·Cout·kh·kw): Cols is the channel count.
        _shapes.Add(new LayerShape(path, shape.OutChannels, shape.InChannels, shape.KernelHeight, shape.KernelWidth));
        _convs[path] = shape;
        return inner?.Conv2d(path, shape, bias, init) ?? new Placeholder(path);
    }

    /// <summary>A recorded layer's stand-in: holds no weights and cannot run.</summary>
    private sealed class Placeholder(string path) : Module
    {
        public override Tensor Forward(Tensor input) =>
            throw new InvalidOperationException($"Layer '{path}' was only recorded (RecordingLayerFactory); build the model with a real factory to run it.");
    }
}
