// DataCommand: `sprout data list` (known datasets and whether their files are present) and
// `sprout data download NAME` (fetch and verify official files, where the network allows).
using System.CommandLine;
using Sprout.Data;
using Sprout.Data.Download;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `data` command group.</summary>
public static class DataCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("data", "List or download datasets.");
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (default: $SPROUT_DATA, ./data, or shared/data above)", HelpName = "DIR" };

        var list = new Command("list", "Show the known datasets and whether their files are present.") { dataDir };
        list.SetAction(parse =>
        {
            string? dir = parse.GetValue(dataDir);
            context.Output.WriteLine($"data directory: {DataDirectory.Resolve(dir) ?? "(none)"} ({DataDirectory.DescribeSource(dir)})");
            foreach (string name in DatasetRegistry.Names)
            {
                string where = name == "digits" ? "embedded" : string.Join(", ", DatasetRegistry.FolderNames(name).Select(f => f + "/"));
                string state = DatasetRegistry.IsAvailable(name, dir) ? "available" : "missing";
                context.Output.WriteLine($"  {name,-14} {state,-10} {where}");
            }
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "Dataset name (see `sprout data list`)" };
        var download = new Command("download", "Download a dataset's official files and verify their SHA-256.") { name, dataDir };
        download.SetAction(async (parse, cancellation) =>
        {
            string dataset = DatasetRegistry.Canonicalize(parse.GetValue(name)!);
            string directory = DataDirectory.ForDownload(parse.GetValue(dataDir));
            using var downloader = new DatasetDownloader(log: line => context.Output.WriteLine(line));
            var result = await downloader.DownloadAsync(dataset, directory, cancellation);
            context.Output.WriteLine($"{result.Dataset}: {result.Downloaded.Count} downloaded, {result.AlreadyPresent.Count} already present in {Path.Combine(directory, result.Folder)}");
            return ExitCodes.Ok;
        });

        command.Add(list);
        command.Add(download);
        return command;
    }
}
