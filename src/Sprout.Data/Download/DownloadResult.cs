// DownloadResult: what DatasetDownloader did for one dataset, for the CLI to report.
namespace Sprout.Data.Download;

/// <summary>Outcome of <see cref="DatasetDownloader.DownloadAsync(string, string, CancellationToken)"/>.</summary>
/// <param name="Dataset">Canonical dataset name.</param>
/// <param name="Folder">Folder the files are in ("embedded" for digits).</param>
/// <param name="Downloaded">Files fetched (or extracted) and verified in this run.</param>
/// <param name="AlreadyPresent">Files that were already there with the right checksum and were left alone.</param>
public sealed record DownloadResult(string Dataset, string Folder, IReadOnlyList<string> Downloaded, IReadOnlyList<string> AlreadyPresent);
