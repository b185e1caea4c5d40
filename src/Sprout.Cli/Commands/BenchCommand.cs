// BenchCommand: `sprout bench gemm|sparse|scale|conv [--json]`: quick machine measurements. The measurements
// themselves live in the kernel and sparse libraries; this command only runs them and prints the report,
// as a small table or as one JSON object.
using System.CommandLine;
using System.Globalization;
using Sprout.Kernels.Diagnostics;
using Sprout.Sparse.Diagnostics;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `bench` command group.</summary>
public static class BenchCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("bench", "Measure kernel performance on this machine.");
        command.Add(Gemm(context));
        command.Add(BenchScaleCommand.Create(context));
        command.Add(BenchMpiCommand.Create(context));

        command.Add(Sparse(context));
        command.Add(BenchConvCommand.Create(context));
        return command;
    }

    private static Command Sparse(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"results\": [{\"density\", \"op\", \"sparse_ms\", \"dense_ms\", \"speedup\"}]}" };
        var densities = new Option<string?>("--densities") { Description = "Densities to measure [default: 0.5,0.2,0.1,0.05,0.02,0.01,0.005]", HelpName = "D,D,..." };
        var sparse = new Command("sparse", "A 4096×4096 layer, batch 256: sparse (CSR) versus dense forward, gradients and full step") { json, densities };
        sparse.SetAction(parse =>
        {
            var options = new SparseBenchOptions();
            if (parse.GetValue(densities) is string text) options = options with { Densities = CommaList.Densities(text, "--densities", "0.05,0.01") };
            bool asJson = parse.GetValue(json);
            var report = SparseKernelBenchmark.Run(options, asJson ? null : line => context.Error.WriteLine(line));
            if (asJson)
            {
                context.Output.WriteLine(report.ToJson());
                return ExitCodes.Ok;
            }
            context.Output.WriteLine("density  op            sparse ms   dense ms   speedup");
            foreach (var r in report.Results)
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Density,7:0.###}  {r.Op,-12} {r.SparseMs,10:F2} {r.DenseMs,10:F2} {r.Speedup,8:F1}x"));
            return ExitCodes.Ok;
        });
        return sparse;
    }


    private static Command Gemm(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"peak_gflops\", \"results\": [{\"n\", \"gflops\", \"fraction_of_peak\"}]}" };
        var threads = new Option<int>("--threads") { Description = "Threads for the FMA peak and GEMM", HelpName = "N", DefaultValueFactory = _ => 2 };
        var sizes = new Option<string?>("--sizes") { Description = "Matrix sizes n (n×n·n×n) [default: 512,1024,2048]", HelpName = "N,N,..." };
        var gemm = new Command("gemm", "FMA peak of this machine and dense GEMM throughput as a fraction of it") { json, threads, sizes };
        gemm.SetAction(parse =>
        {
            int t = parse.GetValue(threads);
            if (t is < 1 or > 256) throw new UsageException($"--threads must be between 1 and 256, got {t}.");
            int[]? n = parse.GetValue(sizes) is string text ? CommaList.PositiveInts(text, "--sizes", "512,1024", max: 16384) : null;
            var report = GemmBenchmark.Run(t, n);
            if (parse.GetValue(json))
            {
                context.Output.WriteLine(report.ToJson());
                return ExitCodes.Ok;
            }
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"FMA peak: {report.PeakGflops:F1} GFLOP/s ({report.Threads} threads; GEMM kernel {report.Kernel})"));
            context.Output.WriteLine("      n    GFLOP/s   of peak   seconds");
            foreach (var r in report.Results)
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.N,7} {r.Gflops,10:F1} {100 * r.FractionOfPeak,8:F1}% {r.Seconds,9:F4}"));
            return ExitCodes.Ok;
        });
        return gemm;
    }
}
