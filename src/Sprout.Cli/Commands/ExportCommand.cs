// ExportCommand: `sprout export --checkpoint FILE --format onnx --out model.onnx [--sparse-weights dense|sparse-constant|sparse-initializer]`:
// rebuilds the model a checkpoint was trained with (as `sprout eval` does, from the settings it stores), loads its
// weights and writes an ONNX model (inputs [N, C, H, W] normalized as Sprout's loader normalizes them, outputs the
// logits). Sparse weights are stored densified (default), as Constant nodes with a sparse_value, or as sparse_initializer. An existing --out is replaced
// only with --overwrite; on any error nothing is written.
using System.CommandLine;
using System.Globalization;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Onnx;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `export` command.</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("export", "Export a checkpoint's model for other runtimes (ONNX).");
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint file (.safetensors)", HelpName = "FILE", Required = true };
        var format = new Option<string>("--format") { Description = "Output format: onnx", HelpName = "FORMAT", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string?>("--out") { Description = "Output file (default: the checkpoint's path with .onnx)", HelpName = "FILE" };
        var sparse = new Option<string>("--sparse-weights")
        {
            Description = "Sparse layers' weights: dense (zeros stored), sparse-constant (Constant nodes with sparse_value: nnz-sized, valid ONNX " +
                          "for any op) or sparse-initializer (graph sparse_initializer: nnz-sized; ONNX Runtime accepts it, strict ONNX checking does not)",
            HelpName = "dense|sparse-constant|sparse-initializer",
            DefaultValueFactory = _ => "dense",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output file" };
        command.Add(checkpoint);
        command.Add(format);
        command.Add(output);
        command.Add(sparse);
        command.Add(overwrite);
        var options = SavedModel.AddOverrides(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(checkpoint)!;
            if (parse.GetValue(format) is not "onnx") throw new UsageException($"--format must be onnx, got '{parse.GetValue(format)}'.");
            var weights = parse.GetValue(sparse) switch
            {
                "dense" => SparseWeightFormat.Dense,
                "sparse-constant" or "sparse" => SparseWeightFormat.SparseConstant,
                "sparse-initializer" => SparseWeightFormat.SparseInitializer,
                var other => throw new UsageException($"--sparse-weights must be dense, sparse-constant or sparse-initializer, got '{other}'."),
            };
            string target = parse.GetValue(output) ?? Path.ChangeExtension(path, ".onnx");
            if (File.Exists(target) && !parse.GetValue(overwrite)) throw new UsageException($"{target} already exists; pass --overwrite to replace it, or choose another --out.");
            if (Directory.Exists(target)) throw new UsageException($"--out {target} is a folder; name a file such as {Path.Combine(target, "model.onnx")}.");
            string? folder = Path.GetDirectoryName(Path.GetFullPath(target));
            if (folder is not null && !Directory.Exists(folder)) throw new UsageException($"The folder of --out {target} does not exist; create it first.");

            var (info, settings, splits, model) = SavedModel.Load(path, parse, options);
            var test = splits.Test;
            model.Eval();

            var export = new OnnxExportOptions
            {
                SparseWeights = weights,
                ProducerVersion = SproutCli.Version,
                Description = $"Sprout {settings.Model} ({settings.Method}) on {settings.Data}: input [N, {test.ImageShape.Channels}, {test.ImageShape.Height}, " +
                              $"{test.ImageShape.Width}] normalized with --normalize {settings.Normalize} as Sprout's data loader does; output the logits [N, {test.ClassCount}].",
                Metadata = new Dictionary<string, string>
                {
                    ["sprout.dataset"] = settings.Data,
                    ["sprout.model"] = settings.Model,
                    ["sprout.method"] = settings.Method,
                    ["sprout.normalize"] = settings.Normalize,
                    ["sprout.epoch"] = info.Epoch.ToString(CultureInfo.InvariantCulture),
                },
            };
            Onnx.Protos.ModelProto proto;
            try
            {
                proto = OnnxExporter.ToModel(model, [test.ImageShape.Channels, test.ImageShape.Height, test.ImageShape.Width], export);
            }
            catch (NotSupportedException e)
            {
                throw new UsageException($"Cannot export {settings.Model} ({settings.Method}) to ONNX yet: {e.Message}", e);
            }
            OnnxExporter.Save(proto, target);
            context.Output.WriteLine($"onnx: {Path.GetFullPath(target)} ({new FileInfo(target).Length:N0} bytes, {proto.Graph.Node.Count} nodes, sparse weights " +
                weights switch { SparseWeightFormat.Dense => "densified)", SparseWeightFormat.SparseConstant => "as sparse Constant nodes)", _ => "as sparse initializers)" });
            return ExitCodes.Ok;
        });
        return command;
    }
}
