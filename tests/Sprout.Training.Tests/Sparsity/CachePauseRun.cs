// What the conv and the ViT cache-pause tests share: eight training steps under a topology method with updates at
// steps 3 and 6, the layers' pause flags recorded after each step, and a switch that undoes the pause after every
// step, so a paused training can be compared bit for bit with one that kept every batch.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

internal static class CachePauseRun
{
    /// <summary>Trains <paramref name="model"/> eight steps on one fixed batch; returns the driver and each step's pause flags.</summary>
    public static (SparseTrainingDriver Driver, List<bool[]> Paused) Train<TLayer>(Module model, Optimizer optimizer, ITopologyUpdater updater,
        Tensor x, int[] labels, Func<TLayer, bool> isPaused, Action<TLayer> keepNext, bool fillAlways) where TLayer : Module
    {
        var layers = model.Modules().OfType<TLayer>().ToArray();
        var driver = new SparseTrainingDriver(model, updater, new UpdateSchedule(3, 100, 0.3f), seed: 2);
        var tape = new Tape();
        var paused = new List<bool[]>();
        for (int step = 1; step <= 8; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, labels.Length);
            tape.Backward(loss);
            optimizer.Step();
            driver.AfterOptimizerStep(step, optimizer, labels.Length);
            optimizer.ZeroGrad();
            tape.Reset();
            paused.Add(layers.Select(isPaused).ToArray());
            if (fillAlways) foreach (var l in layers) keepNext(l);
        }
        return (driver, paused);
    }

    /// <summary>The flags of a method that updates at steps 3 and 6 only: the batch is kept for those steps alone.</summary>
    public static void AssertKeptOnlyBeforeUpdates(List<bool[]> flags)
    {
        for (int step = 1; step <= flags.Count; step++)
            Assert.All(flags[step - 1], p => Assert.Equal((step + 1) % 3 != 0, p));
    }

    /// <summary>Same parameters bit for bit, and the same topology in every sparse layer of type <typeparamref name="TLayer"/>.</summary>
    public static void AssertSameTraining<TLayer>(Module paused, Module always) where TLayer : Module, ISparseLayer
    {
        var a = paused.NamedParameters();
        var b = always.NamedParameters();
        for (int i = 0; i < a.Count; i++) Assert.Equal(b[i].Tensor.Data.ToArray(), a[i].Tensor.Data.ToArray());
        var ta = paused.Modules().OfType<TLayer>().Select(l => l.Topology).ToArray();
        var tb = always.Modules().OfType<TLayer>().Select(l => l.Topology).ToArray();
        for (int i = 0; i < ta.Length; i++) Assert.Equal(tb[i].ColumnIndices.ToArray(), ta[i].ColumnIndices.ToArray());
    }
}
