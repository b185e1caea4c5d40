// ConvMethodBench (`convmethods`): what a topology update costs on a sparse conv net relative to a training step.
// ResNet-20 on random 3×32×32 images, ERK at the given density, always-sparse CSR conv layers; per method, training
// steps and update steps alternate (step, update, step, update, ...) so both see the same machine load, and the
// median update time is reported as a multiple of the median training step. The update includes the method's work
// at the layers' cached batch (RigL's streamed dense gradient rows, GSE/DST-EE's gradients at sampled candidates).
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Bench.Sparse;

/// <summary>Topology-update cost on a sparse ResNet-20, as a ratio to a training step.</summary>
public static class ConvMethodBench
{
    /// <summary>Runs every method at <paramref name="density"/> with <paramref name="batch"/> images, <paramref name="reps"/> pairs each.</summary>
    public static void Run(int batch, int reps, double density)
    {
        var ci = CultureInfo.InvariantCulture;
        Func<ILayerFactory, Module> build = f => ConvModels.Build("resnet20", f, 3, 32, 32, 10);
        var plan = RecordingLayerFactory.Plan(build, new DensityAllocationOptions(density));
        Console.WriteLine(string.Create(ci, $"resnet20, 3x32x32, batch {batch}, ERK density {density}, CSR conv layers, {reps} step/update pairs per method"));
        Console.WriteLine("method        step ms  update ms  update/step");
        foreach (var name in new[] { "set", "rigl", "gse-uniform", "gse-grabo", "dst-ee" })
        {
            var model = build(new SparseLayerFactory(plan, new Rng(1), SparseLayerKind.Csr));
            var layers = model.LayersOf<ISparseLayer>().Select(l => l.Layer).ToArray();
            ITopologyUpdater updater = name switch
            {
                "set" => new Set(),
                "rigl" => new RigL(),
                "gse-uniform" => new Gse(),
                "gse-grabo" => new Gse(CandidateDistribution.GraBo),
                _ => new DstEe(),
            };
            var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f);
            var scheduler = new TopologyScheduler(layers, updater, new UpdateSchedule(1, 1_000_000, 0.3f, FractionDecay.Constant), seed: 1);
            var x = new Tensor(batch, 3 * 32 * 32);
            new Rng(2).FillNormal(x.Data, 0, 1);
            var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
            var tape = new Tape();
            var steps = new List<double>();
            var updates = new List<double>();
            for (int r = 0; r <= reps; r++) // pair 0 warms up
            {
                long t0 = Stopwatch.GetTimestamp();
                model.ZeroGrad();
                Tensor loss;
                using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, batch);
                tape.Backward(loss);
                opt.Step();
                tape.Reset();
                double step = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                t0 = Stopwatch.GetTimestamp();
                scheduler.Step(r + 1, opt);
                double update = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (r == 0) continue;
                steps.Add(step);
                updates.Add(update);
            }
            double s = Median(steps), u = Median(updates);
            Console.WriteLine(string.Create(ci, $"{name,-12} {s,8:0.0} {u,10:0.0} {u / s,12:0.00}"));
        }
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
