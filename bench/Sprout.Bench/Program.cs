// Entry point of the benchmark suite: BenchmarkDotNet picks benchmarks from the command line,
// e.g. `dotnet run -c Release --project bench/Sprout.Bench -- --filter *Gemm*`.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Sprout.Bench.GemmBenchmarks).Assembly).Run(args);
