// Sparse-training benchmarks. mlp4096 and lenet live only here; scale is also `sprout bench scale` (same library code):
//   scale [--widths 1000,...] [--steps N] [--batch B] [--out dir]  width sweep at fan-in 20 (ScaleBenchmark)
//   mlp4096 [--density 0.02] [--dense-steps N]                    784-4096-4096-10 ERK sparse epoch vs dense (slice, scaled),
//                                                                  each after an untimed warm-up (sparse: one epoch; dense: 10 steps)
//   lenet [--density 0.05] [--epochs E]                           LeNet-300-100 static sparse vs dense: epoch time and accuracy
//                                                                  (after one untimed warm-up epoch, so E + 1 epochs of training;
//                                                                  the two models' epochs alternate, so both see the same machine)
//   layout [--width W] [--warmup N] [--steps N]                   plain vs fused sparse layer path, same model, alternating steps
//                                                                  (W 0 = mlp4096 at 2% ERK; else the scale model 784-W-W-10)
//   ceiling [--window W]                                          CSR kernels on bench sparse's random pattern vs with operands in L2
//   conv [--batch 128] [--reps 7] [--densities 0.1,0.02]          sparse conv: direct kernels vs batch im2col + CSR SpMM on
//                                                                  ResNet-20 / WRN-22-2 3×3 layers, alternating (ConvPathBench)
//   convlayers [--model resnet20] [--batch 128] [--reps 5] [--densities 0.1,0.02] [--compare] [--threads 2] [--baseline legacy|plain]
//                                                                  sparse conv kernels on a sparse net's real ERK layers, per kind,
//                                                                  with --compare against the previous stride-1 kernels (ConvLayerBench)
//   convreuse [--model resnet20] [--densities 0.1,0.02]          loads per multiply-add an output-tiled stride-1 kernel would need (ConvLayerBench)
//   vit [--batch 128] [--steps 3] [--rounds 5]                   dense training step of the small ViT and its time per kernel family
//   vit-cifar [--steps 100]                                       smoke run of the small ViT on CIFAR-10: loss and test accuracy after N steps
//   convmethods [--batch 64] [--reps 5] [--density 0.1]          topology update vs training step on a sparse ResNet-20,
//                                                                  per method, alternating (ConvMethodBench)
// All comparisons are made within one process run, as ratios.
using System.Globalization;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse.Allocation;
using Sprout.Training.Sparsity;

string Opt(string name, string def)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : def;
}
var ci = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "conv") // needs no data set
{
    Sprout.Bench.Sparse.ConvPathBench.Run(int.Parse(Opt("--batch", "128"), ci), int.Parse(Opt("--reps", "7"), ci),
        Opt("--densities", "0.1,0.02").Split(',').Select(s => double.Parse(s, ci)).ToArray());
    return 0;
}
if (args.Length > 0 && args[0] == "convlayers") // needs no data set
{
    Sprout.Bench.Sparse.ConvLayerBench.Run(Opt("--model", "resnet20"), int.Parse(Opt("--batch", "128"), ci), int.Parse(Opt("--reps", "5"), ci),
        Opt("--densities", "0.1,0.02").Split(',').Select(s => double.Parse(s, ci)).ToArray(), args.Contains("--compare"), int.Parse(Opt("--threads", "2"), ci), Opt("--baseline", "legacy"));
    return 0;
}
if (args.Length > 0 && args[0] == "convreuse") // needs no data set
{
    Sprout.Bench.Sparse.ConvLayerBench.Reuse(Opt("--model", "resnet20"), Opt("--densities", "0.1,0.02").Split(',').Select(s => double.Parse(s, ci)).ToArray());
    return 0;
}
if (args.Length > 0 && args[0] == "convmethods") // needs no data set
{
    Sprout.Bench.Sparse.ConvMethodBench.Run(int.Parse(Opt("--batch", "64"), ci), int.Parse(Opt("--reps", "5"), ci), double.Parse(Opt("--density", "0.1"), ci));
    return 0;
}
var mnist = DatasetRegistry.Load("mnist");
DataLoader Loader(Dataset d, bool shuffle) => new(d, new DataLoaderOptions { BatchSize = 128, Shuffle = shuffle, Seed = 1, DropLast = shuffle, Flatten = true });
string cmd = args.Length > 0 ? args[0] : "";
switch (cmd)
{
    case "scale":
    {
        var widths = Opt("--widths", "1000,3000,10000,30000,100000,300000,500000").Split(',').Select(s => int.Parse(s, ci)).ToArray();
        int steps = int.Parse(Opt("--steps", "20"), ci), batch = int.Parse(Opt("--batch", "128"), ci);
        string outDir = Opt("--out", "docs");
        Directory.CreateDirectory(outDir); // before the run, so minutes of measurement are not lost to a missing folder
        var results = ScaleBenchmark.Run(mnist.Train, widths, 20, steps, batch, Console.Out);
        Console.WriteLine(string.Create(ci, $"log-log slope of ms/step vs W: {ScaleBenchmark.Slope(results):0.###}"));
        File.WriteAllText(Path.Combine(outDir, "bench-scale.csv"), ScaleBenchmark.ToCsv(results));
        File.WriteAllText(Path.Combine(outDir, "bench-scale.svg"), ScaleBenchmark.ToSvg(results));
        break;
    }
    case "mlp4096":
    {
        double density = double.Parse(Opt("--density", "0.02"), ci);
        int denseSteps = int.Parse(Opt("--dense-steps", "30"), ci);
        var loader = Loader(mnist.Train, true);
        var sparse = SparseModels.Build(f => Models.Mlp(784, [4096, 4096], 10, f), new DensityAllocationOptions(density), new Rng(1), SparseLayerKind.Csr);
        var driver = new SparseTrainingDriver(sparse, null, null);
        Console.Write(driver.LayerTable());
        var sOpt = new Sgd(sparse.NamedParameters(), 0.05f, momentum: 0.9f);
        var tape = new Tape();
        SparseEpochLoop.TrainEpoch(sparse, loader, sOpt, tape, driver, 0); // warm-up: one whole untimed epoch (see lenet)
        var (sl, st, sn) = SparseEpochLoop.TrainEpoch(sparse, loader, sOpt, tape, driver, 1);
        var dense = Models.Mlp(784, [4096, 4096], 10, new Rng(1));
        var dOpt = new Sgd(dense.NamedParameters(), 0.05f, momentum: 0.9f);
        SparseEpochLoop.TrainEpoch(dense, loader, dOpt, tape, null, 0, maxBatches: 10);
        var (_, dt, dn) = SparseEpochLoop.TrainEpoch(dense, loader, dOpt, tape, null, 1, maxBatches: denseSteps);
        double denseEpoch = dt.TotalSeconds / dn * loader.BatchesPerEpoch;
        Console.WriteLine(string.Create(ci, $"sparse ERK {density}: epoch {st.TotalSeconds:0.00} s ({sn} steps, loss {sl:0.###}), FLOPs vs dense {driver.Flops.RelativeToDense:0.####}"));
        Console.WriteLine(string.Create(ci, $"dense: {dt.TotalSeconds / dn * 1000:0.0} ms/step over {dn} steps → epoch ≈ {denseEpoch:0.0} s"));
        Console.WriteLine(string.Create(ci, $"speedup (dense epoch / sparse epoch): {denseEpoch / st.TotalSeconds:0.0}x"));
        Console.WriteLine(string.Create(ci, $"sparse test accuracy after 2 epochs (warm-up and timed): {SparseEpochLoop.Accuracy(sparse, Loader(mnist.Test, false), tape):0.####}"));
        break;
    }
    case "lenet":
    {
        double density = double.Parse(Opt("--density", "0.05"), ci);
        int epochs = int.Parse(Opt("--epochs", "5"), ci);
        var runs = new (string Name, Module Model)[]
        {
            ("static-sparse", SparseModels.Build(f => Models.Mlp(784, [300, 100], 10, f), new DensityAllocationOptions(density), new Rng(1), SparseLayerKind.Csr)),
            ("dense", Models.Mlp(784, [300, 100], 10, new Rng(1))),
        }.Select(r => (r.Name, r.Model, Loader: Loader(mnist.Train, true), Opt: new Sgd(r.Model.NamedParameters(), 0.05f, momentum: 0.9f),
                       Driver: new SparseTrainingDriver(r.Model, null, null), Tape: new Tape(), Times: new List<double>())).ToArray();
        Console.Write(runs[0].Driver.LayerTable());
        // Warm-up: one whole untimed epoch each. 40 batches were too few for tiered JIT to promote the step's methods, and
        // the first 2–3 timed epochs then ran up to 2× slower and moved the median.
        foreach (var r in runs) SparseEpochLoop.TrainEpoch(r.Model, r.Loader, r.Opt, r.Tape, null, 0);
        // Epochs alternate between the models, so both see the same machine: on a shared host the speed drifts by up to
        // 1.7× within a minute, and timing all sparse epochs before all dense ones moved the ratio with that drift.
        for (int e = 1; e <= epochs; e++)
            foreach (var r in runs)
            {
                var (loss, t, _) = SparseEpochLoop.TrainEpoch(r.Model, r.Loader, r.Opt, r.Tape, r.Driver, e);
                r.Times.Add(t.TotalSeconds);
                Console.WriteLine(string.Create(ci, $"{r.Name} epoch {e}: {t.TotalSeconds:0.000} s, loss {loss:0.####}"));
            }
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        foreach (var r in runs)
        {
            double acc = SparseEpochLoop.Accuracy(r.Model, Loader(mnist.Test, false), r.Tape);
            Console.WriteLine(string.Create(ci, $"{r.Name}: median epoch {Median(r.Times):0.000} s, test accuracy {acc:0.####}, FLOPs vs dense {r.Driver.Flops.RelativeToDense:0.####}"));
        }
        var pairRatios = runs[1].Times.Zip(runs[0].Times, (d, sp) => d / sp).ToList();
        Console.WriteLine(string.Create(ci, $"dense / sparse: {Median(runs[1].Times) / Median(runs[0].Times):0.00}x (median epochs), " +
                                            $"{Median(pairRatios):0.00}x (median of per-epoch ratios, range {pairRatios.Min():0.00}–{pairRatios.Max():0.00})"));
        break;
    }
    case "ceiling":
        Sprout.Bench.Sparse.CeilingBench.Run(int.Parse(Opt("--window", "256"), ci));
        break;
    case "layout":
        Sprout.Bench.Sparse.LayoutBench.Run(mnist.Train, int.Parse(Opt("--width", "0"), ci), int.Parse(Opt("--warmup", "40"), ci), int.Parse(Opt("--steps", "100"), ci));
        break;
    case "vit":
        Sprout.Bench.Sparse.VitBench.Run(int.Parse(Opt("--batch", "128"), ci), int.Parse(Opt("--steps", "3"), ci), int.Parse(Opt("--rounds", "5"), ci));
        break;
    case "vit-cifar":
        Sprout.Bench.Sparse.VitCifarSmoke.Run(int.Parse(Opt("--steps", "100"), ci));
        break;
    default:
        Console.Error.WriteLine("usage: Sprout.Bench.Sparse scale|mlp4096|lenet|layout|ceiling|conv|vit|vit-cifar [options] (see the header of Program.cs)");
        return 2;
}
return 0;
