// EvalCommand: `sprout eval --checkpoint FILE`: rebuilds the model a checkpoint was trained with (from
// the settings it stores; --model/--data/... override them, e.g. for a foreign file) and reports test
// loss and accuracy, as text or as one JSON object with --json.
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Training;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `eval` command.</summary>
public static class EvalCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("eval", "Evaluate a checkpoint on a dataset's test split.");
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint file (.safetensors)", HelpName = "FILE", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        command.Add(checkpoint);
        command.Add(json);
        var options = SavedModel.AddOverrides(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(checkpoint)!;
            var (info, settings, splits, model) = SavedModel.Load(path, parse, options);
            // The run's own batch size: the numbers are those its last evaluation logged, and the pass holds one batch's buffers.
            var result = new Evaluator(model).Evaluate(new DataLoaderSource(splits.Test, settings.BatchSize, shuffle: false));

            if (parse.GetValue(json))
            {
                context.Output.WriteLine(new JsonObject
                {
                    ["checkpoint"] = path,
                    ["dataset"] = settings.Data,
                    ["model"] = settings.Model,
                    ["split"] = "test",
                    ["samples"] = result.Samples,
                    ["accuracy"] = result.Accuracy,
                    ["loss"] = result.Loss,
                    ["epoch"] = info.Epoch,
                }.ToJsonString());
            }
            else
            {
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{settings.Data} test: accuracy {100 * result.Accuracy:F2}%, loss {result.Loss:F4} ({result.Samples} samples; {settings.Model}, epoch {info.Epoch})"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
