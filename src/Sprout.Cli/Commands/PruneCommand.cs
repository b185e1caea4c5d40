// PruneCommand: `sprout prune imp`: iterative magnitude pruning with rewinding (lottery ticket) as a multi-round
// run: train dense, prune globally by magnitude, rewind to θ0, retrain; --rounds times down to --density. Each round
// trains with plain SGD (momentum 0.9) for --epochs through Trainer.TrainStep and reports the Evaluator's test
// accuracy. Epochs are numbered from 0 within a round (the shuffle is seeded by (seed + round, epoch)).
using System.CommandLine;
using System.Globalization;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `prune` command group.</summary>
public static class PruneCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var rounds = new Option<int>("--rounds") { Description = "Pruning rounds after the dense run", HelpName = "N", DefaultValueFactory = _ => 5 };
        var density = new Option<double>("--density") { Description = "Final density", HelpName = "D", DefaultValueFactory = _ => 0.05 };
        var data = new Option<string>("--data") { Description = "Dataset", HelpName = "NAME", DefaultValueFactory = _ => "mnist" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with the dataset files", HelpName = "DIR" };
        var model = new Option<string>("--model") { Description = "Model spec, e.g. mlp:300,100", HelpName = "SPEC", DefaultValueFactory = _ => "mlp:300,100" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per round", HelpName = "N", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step", HelpName = "B", DefaultValueFactory = _ => 100 };
        var lr = new Option<double>("--lr") { Description = "SGD learning rate", HelpName = "X", DefaultValueFactory = _ => 0.05 };
        var kind = new Option<string>("--layer-kind") { Description = "csr or masked", HelpName = "KIND", DefaultValueFactory = _ => "csr" };
        var seed = new Option<ulong>("--seed") { Description = "Random seed", HelpName = "N", DefaultValueFactory = _ => 42UL };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/<data>-<model>-imp-<time>): summary.json, round-<r>/best.safetensors", HelpName = "DIR" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier run in --out (only files Sprout wrote)" };
        var imp = new Command("imp", "Iterative magnitude pruning with rewinding to the initial weights (lottery ticket)")
            { rounds, density, data, dataDir, model, epochs, batch, lr, kind, seed, output, overwrite };
        imp.SetAction(parse =>
        {
            int r = parse.GetValue(rounds), e = parse.GetValue(epochs), b = parse.GetValue(batch);
            double d = parse.GetValue(density), rate = parse.GetValue(lr);
            if (r < 1) throw new UsageException($"--rounds must be ≥ 1, got {r}.");
            if (!(d is > 0 and < 1)) throw new UsageException($"--density must be in (0, 1), got {d}.");
            if (e < 1 || b < 1) throw new UsageException("--epochs and --batch-size must be ≥ 1.");
            if (!(rate > 0)) throw new UsageException($"--lr must be > 0, got {rate}.");
            string k = parse.GetValue(kind)!;
            if (k is not ("csr" or "masked")) throw new UsageException($"--layer-kind must be csr or masked, got '{k}'.");
            Models.ModelRegistry.Validate(parse.GetValue(model)!, parse.GetValue(data));
            var splits = DatasetRegistry.Load(parse.GetValue(data)!, new DataOptions { DataDirectory = parse.GetValue(dataDir) });
            ulong s = parse.GetValue(seed);
            var build = Models.ModelRegistry.Builder(parse.GetValue(model)!, splits.Train.ImageShape, splits.Train.ClassCount, s);
            var initial = build(new DenseLayerFactory(Rng.Derive(s, "model.init")));
            var test = new DataLoaderSource(new DataLoader(splits.Test, new DataLoaderOptions { BatchSize = b, Shuffle = false, Flatten = true }));
            using var folder = ImpRunFolder.Open(parse.GetValue(output), parse.GetValue(overwrite), new Config.TrainSettings
            {
                Data = parse.GetValue(data)!, DataDir = parse.GetValue(dataDir), Model = parse.GetValue(model)!, Seed = s, Epochs = e, BatchSize = b, Lr = rate, LayerKind = k,
            });
            context.Output.WriteLine($"run: {folder.FullPath}");
            var results = IterativeMagnitudePruning.Run(initial, build, d, r, k == "masked" ? SparseLayerKind.Masked : SparseLayerKind.Csr, (net, round) =>
            {
                var train = new DataLoaderSource(new DataLoader(splits.Train, new DataLoaderOptions { BatchSize = b, Shuffle = true, Seed = s + (ulong)round, Flatten = true }));
                var trainer = new Trainer(net, new Sgd(net.NamedParameters(), (float)rate, momentum: 0.9f));
                for (int epoch = 0; epoch < e; epoch++)
                {
                    train.Reset(epoch);
                    while (train.Next(out var inputs, out var labels, out int count)) trainer.TrainStep(inputs, labels, count, out _, epoch);
                }
                double accuracy = trainer.Evaluate(test).Accuracy;
                folder.SaveRound(round, ImpRunFolder.DensityOf(net), trainer, accuracy);
                return accuracy;
            }, Rng.Derive(s, "imp"), context.Output);
            context.Output.WriteLine("round  density  test_acc");
            foreach (var x in results) context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{x.Round,5} {x.Density,8:0.0000} {x.Metric,9:0.0000}"));
            folder.WriteSummary("completed");
            return ExitCodes.Ok;
        });
        var command = new Command("prune", "Multi-round pruning drivers.");
        command.Add(imp);
        return command;
    }
}
