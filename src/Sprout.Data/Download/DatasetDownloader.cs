// DatasetDownloader: fetches a dataset's official files into the data directory and verifies them.
// Each file is written to "<name>.part", checked against its published digest, then moved into place in one
// step, so a reader never sees a half-written file. A leftover .part is resumed with an HTTP Range request.
// Files already present with the right digest are skipped. CIFAR archives are unpacked (System.Formats.Tar)
// and deleted. The HTTP layer is injectable (HttpMessageHandler) so all of this is tested offline.
// Not a general download manager: no parallel transfers and no proxy configuration beyond .NET's defaults.
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Sprout.Data.Download;

/// <summary>Downloads and verifies dataset files (<c>sprout data download NAME</c>).</summary>
public sealed class DatasetDownloader : IDisposable
{
    /// <summary>A transfer that delivers no bytes for this long is abandoned (and the next mirror tried).</summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly Action<string> _log;

    /// <summary>
    /// Creates a downloader. <paramref name="handler"/> replaces the network (tests pass a fake; it is not disposed
    /// here); <paramref name="log"/> receives one line per step ("downloading …", "verified …").
    /// </summary>
    public DatasetDownloader(HttpMessageHandler? handler = null, Action<string>? log = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // Whole transfers can take minutes; stalls are caught by IdleTimeout while reading instead.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Sprout/0.1");
        _log = log ?? (_ => { });
    }

    /// <summary>True when <paramref name="name"/> has files to download (every known dataset except the embedded digits).</summary>
    public static bool CanDownload(string name) => DatasetManifest.For(DatasetRegistry.Canonicalize(name)) is not null;

    /// <summary>The URLs files of <paramref name="name"/> are fetched from, mirrors in the order tried.</summary>
    public static IReadOnlyList<string> Urls(string name) =>
        DatasetManifest.For(DatasetRegistry.Canonicalize(name))?.Files.SelectMany(f => f.Urls).ToArray() ?? [];

    /// <summary>
    /// Makes sure every file of dataset <paramref name="name"/> is in <paramref name="dataDirectory"/> (in the folder the
    /// registry reads, e.g. &lt;dir&gt;/mnist) with its published checksum, downloading what is missing or damaged.
    /// digits is embedded and needs nothing.
    /// </summary>
    /// <exception cref="DataException">Unknown name, every mirror failed (the message lists why), or a checksum mismatch.</exception>
    public Task<DownloadResult> DownloadAsync(string name, string dataDirectory, CancellationToken cancellationToken = default)
    {
        string key = DatasetRegistry.Canonicalize(name);
        DatasetManifest? manifest = DatasetManifest.For(key);
        if (manifest is null)
        {
            _log($"{key} is built into Sprout; nothing to download");
            return Task.FromResult(new DownloadResult(key, "embedded", [], []));
        }
        // Reuse a folder the registry already reads (e.g. a hand-extracted cifar-10-batches-bin/) rather than
        // creating a second copy that would then shadow it.
        string? existing = DatasetRegistry.FolderNames(key).FirstOrDefault(f => Directory.Exists(Path.Combine(dataDirectory, f)));
        return DownloadAsync(existing is null ? manifest : manifest with { Folder = existing }, dataDirectory, cancellationToken);
    }

    /// <summary>Testable core: downloads the files of an explicit manifest.</summary>
    internal async Task<DownloadResult> DownloadAsync(DatasetManifest manifest, string dataDirectory, CancellationToken cancellationToken)
    {
        string folder = Path.GetFullPath(Path.Combine(dataDirectory, manifest.Folder));
        // Folders this call creates, outermost first, so a failed download does not leave empty ones behind.
        var created = new List<string>();
        for (string? d = folder; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) created.Insert(0, d);
        Directory.CreateDirectory(folder);
        try
        {
            return await DownloadIntoAsync(manifest, folder, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            RemoveIfEmpty(created);
            throw;
        }
    }

    // Deletes the folders this download created, innermost first, if nothing but empty partial downloads is in them.
    private static void RemoveIfEmpty(List<string> created)
    {
        for (int i = created.Count - 1; i >= 0; i--)
        {
            try
            {
                foreach (string part in Directory.EnumerateFiles(created[i], "*.part"))
                    if (new FileInfo(part).Length == 0) File.Delete(part);
                if (!Directory.EnumerateFileSystemEntries(created[i]).Any()) Directory.Delete(created[i]);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private async Task<DownloadResult> DownloadIntoAsync(DatasetManifest manifest, string folder, CancellationToken cancellationToken)
    {
        var downloaded = new List<string>();
        var present = new List<string>();
        foreach (RemoteFile file in manifest.Files)
        {
            if (file.Members is null)
            {
                bool fetched = await EnsureFileAsync(manifest.Name, file, Path.Combine(folder, file.FileName), cancellationToken).ConfigureAwait(false);
                (fetched ? downloaded : present).Add(file.FileName);
                continue;
            }
            if (file.Members.All(m => MemberPresent(folder, m)))
            {
                _log($"{manifest.Name}: {string.Join(", ", file.Members.Select(m => m.FileName))} already present and verified");
                present.AddRange(file.Members.Select(m => m.FileName));
                continue;
            }
            string archive = Path.Combine(folder, file.FileName);
            await EnsureFileAsync(manifest.Name, file, archive, cancellationToken).ConfigureAwait(false);
            Extract(manifest.Name, archive, folder, file.Members, cancellationToken);
            File.Delete(archive);
            downloaded.AddRange(file.Members.Select(m => m.FileName));
        }
        return new DownloadResult(manifest.Name, folder, downloaded, present);
    }

    /// <summary>Disposes the HTTP client (not an injected handler).</summary>
    public void Dispose() => _http.Dispose();

    /// <summary>Returns false when the target was already valid, true after a verified download; throws when every mirror failed.</summary>
    private async Task<bool> EnsureFileAsync(string dataset, RemoteFile file, string target, CancellationToken cancellationToken)
    {
        if (File.Exists(target))
        {
            if (file.Checksum.Matches(target, out _))
            {
                _log($"{dataset}: {file.FileName} already present and verified");
                return false;
            }
            _log($"{dataset}: {file.FileName} exists but its {file.Checksum.Name} differs; downloading it again");
        }
        string temp = target + ".part";
        var failures = new List<string>();
        foreach (string url in file.Urls)
        {
            // A resumed transfer that fails verification may be the stale part's fault: retry once from scratch.
            for (int attempt = 0; attempt < 2; attempt++)
            {
                bool resumed;
                try
                {
                    resumed = await FetchAsync(url, temp, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    failures.Add($"{url}: {DataException.OneLine(e.Message)}");
                    break;
                }
                if (file.Checksum.Matches(temp, out string actual))
                {
                    File.Move(temp, target, overwrite: true);
                    _log($"{dataset}: verified {file.FileName} ({file.Checksum.Name} {actual})");
                    return true;
                }
                File.Delete(temp);
                if (resumed) continue;
                failures.Add($"{url}: {file.Checksum.Name} mismatch (expected {file.Checksum.Hex}, got {actual}; temp file deleted)");
                break;
            }
        }
        throw new DataException(
            $"{dataset}: could not download {file.FileName}: {string.Join("; ", failures)}; check the connection and run `sprout data download {dataset}` again, or fetch the file by hand into {Path.GetDirectoryName(target)}",
            target);
    }

    /// <summary>Downloads <paramref name="url"/> into <paramref name="temp"/>, resuming an existing part; returns whether it resumed.</summary>
    private async Task<bool> FetchAsync(string url, string temp, CancellationToken cancellationToken)
    {
        long existing = File.Exists(temp) ? new FileInfo(temp).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0) request.Headers.Range = new RangeHeaderValue(existing, null);
        _log(existing > 0 ? $"resuming {url} at byte {existing}" : $"downloading {url}");

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
        {
            // The part is as long as (or longer than) the file: start over rather than guess.
            File.Delete(temp);
            return await FetchAsync(url, temp, cancellationToken).ConfigureAwait(false);
        }
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");

        bool append = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(temp, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        byte[] buffer = new byte[1 << 16];
        while (true)
        {
            idle.CancelAfter(IdleTimeout);
            int n;
            try
            {
                n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"no data received for {IdleTimeout.TotalSeconds:F0} s");
            }
            if (n == 0) break;
            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        }
        return append;
    }

    /// <summary>True when the member is in the folder (raw, or gzipped as shared/data stores it) with its digest.</summary>
    private static bool MemberPresent(string folder, ArchiveMember member)
    {
        string raw = Path.Combine(folder, member.FileName);
        if (File.Exists(raw)) return member.Checksum is not { } c || c.Matches(raw, out _);
        if (File.Exists(raw + ".gz")) return member.Checksum is not { } g || g.Matches(raw + ".gz", out _, decompress: true);
        return false;
    }

    /// <summary>Unpacks the listed members of a verified .tar.gz into <paramref name="folder"/>, each via a .part file.</summary>
    private void Extract(string dataset, string archive, string folder, IReadOnlyList<ArchiveMember> members, CancellationToken cancellationToken)
    {
        var wanted = members.ToDictionary(m => m.FileName);
        var found = new HashSet<string>();
        try
        {
            using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = Path.GetFileName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                if (!wanted.TryGetValue(name, out ArchiveMember? member) || !found.Add(name)) continue;

                string target = Path.Combine(folder, name), temp = target + ".part";
                using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    entry.DataStream.CopyTo(output);
                if (member.Checksum is { } c && !c.Matches(temp, out string actual))
                {
                    File.Delete(temp);
                    throw new DataException(
                        $"{archive}: member {name} has {c.Name} {actual}, expected {c.Hex}; the archive passed its own checksum, so the expected value is wrong: report this",
                        archive);
                }
                File.Move(temp, target, overwrite: true);
                _log($"{dataset}: extracted {name}");
            }
        }
        catch (InvalidDataException e)
        {
            File.Delete(archive);
            throw new DataException($"{archive}: the archive is corrupt ({DataException.OneLine(e.Message)}) and was deleted; run `sprout data download {dataset}` again", archive, e);
        }
        string[] missing = members.Select(m => m.FileName).Where(n => !found.Contains(n)).ToArray();
        if (missing.Length > 0)
            throw new DataException($"{archive}: the archive lacks {string.Join(", ", missing)}; it is not the expected {dataset} archive", archive);
    }
}
