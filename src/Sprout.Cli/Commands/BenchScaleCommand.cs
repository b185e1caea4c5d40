// BenchScaleCommand: `sprout bench scale`: the fixed-fan-in width sweep of ScaleBenchmark (MNIST MLP 784-W-W-10,
// 20 active inputs per neuron) printed as a table, with a CSV and an SVG plot written next to it.
using System.CommandLine;
using System.Globalization;
using Sprout.Data;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Commands;

/// <summary>Builds `bench scale`.</summary>
public static class BenchScaleCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var widths = new Option<string>("--widths") { Description = "Hidden widths W", HelpName = "W,W,...", DefaultValueFactory = _ => "1000,3000,10000,30000,100000,300000,500000" };
        var steps = new Option<int>("--steps") { Description = "Timed steps per width", HelpName = "N", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step", HelpName = "B", DefaultValueFactory = _ => 128 };
        var fanIn = new Option<int>("--fan-in") { Description = "Active inputs per neuron", HelpName = "K", DefaultValueFactory = _ => 20 };
        var outDir = new Option<string>("--out") { Description = "Directory for bench-scale.csv and bench-scale.svg", HelpName = "DIR", DefaultValueFactory = _ => "." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with the MNIST files", HelpName = "DIR" };
        var scale = new Command("scale", "Time per step and peak memory of a fixed-fan-in MNIST MLP as its width grows") { widths, steps, batch, fanIn, outDir, dataDir };
        scale.SetAction(parse =>
        {
            int[] w = CommaList.PositiveInts(parse.GetValue(widths)!, "--widths", "1000,10000");
            int s = parse.GetValue(steps), b = parse.GetValue(batch), k = parse.GetValue(fanIn);
            if (s < 1) throw new UsageException($"--steps must be ≥ 1, got {s}.");
            if (b < 1) throw new UsageException($"--batch-size must be ≥ 1, got {b}.");
            if (k < 1) throw new UsageException($"--fan-in must be ≥ 1, got {k}.");
            string dir = parse.GetValue(outDir)!;
            if (!Directory.Exists(dir)) throw new UsageException($"--out directory '{dir}' does not exist.");
            var train = DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = parse.GetValue(dataDir) }).Train;
            var results = ScaleBenchmark.Run(train, w, k, s, b, context.Output);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"log-log slope of ms/step vs W: {ScaleBenchmark.Slope(results):0.###}"));
            File.WriteAllText(Path.Combine(dir, "bench-scale.csv"), ScaleBenchmark.ToCsv(results));
            File.WriteAllText(Path.Combine(dir, "bench-scale.svg"), ScaleBenchmark.ToSvg(results));
            context.Output.WriteLine($"wrote {Path.Combine(dir, "bench-scale.csv")} and bench-scale.svg");
            return ExitCodes.Ok;
        });
        return scale;
    }
}
