// BenchCommand: `sprout bench gemm|sparse [--json]`: quick machine measurements. The measurements
// themselves live in the kernel and sparse libraries; this command only runs and prints them.
using System.CommandLine;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `bench` command group.</summary>
public static class BenchCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("bench", "Measure kernel performance on this machine.");
        foreach (var (name, description) in new[]
        {
            ("gemm", "FMA peak and dense GEMM throughput at n = 512, 1024, 2048"),
            ("sparse", "sparse (CSR) versus dense layer throughput"),
        })
        {
            var json = new Option<bool>("--json") { Description = "Print one JSON object" };
            var sub = new Command(name, description) { json };
            sub.SetAction(parse =>
            {
                context.Error.WriteLine($"error: sprout bench {name} is not available in this build yet.");
                return ExitCodes.Failure;
            });
            command.Add(sub);
        }
        return command;
    }
}
