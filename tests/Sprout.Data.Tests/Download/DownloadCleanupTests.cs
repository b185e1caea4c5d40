// A download that fails (no network) removes the empty folders it created (issue 11, defect 11), so the next
// `sprout train --data mnist` says "no folder … run sprout data download" instead of "missing file in an empty
// folder"; a folder that existed before, and anything in it, is left alone.
using Sprout.Data.Download;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Download;

public sealed class DownloadCleanupTests
{
    private static DatasetManifest Toy() => new("toy", "toy", [new RemoteFile("a.gz", ["https://down/a.gz"], Checksum.Sha256(new string('0', 64)))]);

    [Fact]
    public async Task NoNetworkLeavesNoEmptyDatasetFolder()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        http.Unreachable.Add("https://down/a.gz");
        using var downloader = new DatasetDownloader(http);
        string data = Path.Combine(dir.Path, "data");
        await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Toy(), data, default));
        Assert.False(Directory.Exists(Path.Combine(data, "toy")));
        Assert.False(Directory.Exists(data), "the data directory this download created was left behind");
    }

    [Fact]
    public async Task AFolderThatExistedBeforeIsKept()
    {
        using var dir = new TempDir();
        dir.Write("toy/notes.txt", "mine"u8.ToArray());
        var http = new FakeHttp();
        http.Unreachable.Add("https://down/a.gz");
        using var downloader = new DatasetDownloader(http);
        await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Toy(), dir.Path, default));
        Assert.True(File.Exists(Path.Combine(dir.Path, "toy", "notes.txt")));
    }
}
