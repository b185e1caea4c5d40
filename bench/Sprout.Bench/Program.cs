// Entry point of the benchmark suite: BenchmarkDotNet picks benchmarks from the command line,
// e.g. `dotnet run -c Release --project bench/Sprout.Bench -- --filter *Gemm*`; `-- conv [--json] [--steps N]`
// runs the conv-net measurement instead (ConvBench: dense Conv2d against the FMA peak, ResNet-20 training steps;
// `-- conv --densities 1,0.1` adds always-sparse steps); `-- conv-parts [--reps N] [--batch N]` times each dense conv
// product on one thread, panels vs columns (ConvPartsBench); `-- conv-split` times each product on 1 and N threads (ConvSplitBench); `-- conv-ops` times BatchNorm, ReLU and adds at ResNet-20 shapes (ConvOpsBench); `-- vit` times the small ViT dense against 90% sparse (VitBench); `-- attention` times the fused attention kernels alone (AttentionBench); `-- projections` the ViT's CSR kernels against dense GEMM (ProjectionBench); `-- loader` times the DataLoader's epoch and hashes its batches (LoaderBench).
using BenchmarkDotNet.Running;

if (args is ["conv", ..]) Sprout.Bench.ConvBench.Run(args[1..]);
else if (args is ["conv-parts", ..]) Sprout.Bench.ConvPartsBench.Run(args[1..]);
else if (args is ["conv-split", ..]) Sprout.Bench.ConvSplitBench.Run(args[1..]);
else if (args is ["conv-ops", ..]) Sprout.Bench.ConvOpsBench.Run(args[1..]);
else if (args is ["vit", ..]) Sprout.Bench.VitBench.Run(args[1..]);
else if (args is ["attention", ..]) Sprout.Bench.AttentionBench.Run(args[1..]);
else if (args is ["projections", ..]) Sprout.Bench.ProjectionBench.Run(args[1..]);
else if (args is ["loader", ..]) Sprout.Bench.LoaderBench.Run(args[1..]);
else BenchmarkSwitcher.FromAssembly(typeof(Sprout.Bench.GemmBenchmarks).Assembly).Run(args);
