// DatasetDownloader, offline: verification, atomic placement, skip-if-present, mirror fallback, mismatch,
// resume with Range, and tar.gz extraction, all through FakeHttp and synthetic files. With the real data
// present, the published digests in the manifests are checked against shared/data and MNIST is "downloaded"
// end to end from a fake mirror and then loaded by the registry.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Sprout.Data.Download;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Download;

public class DatasetDownloaderTests
{
    private static readonly byte[] Content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31 % 251)).ToArray();

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    private static DatasetManifest Toy(params string[] urls) =>
        new("toy", "toy", [new RemoteFile("a.gz", urls, Checksum.Sha256(Sha(Content)))]);

    [Fact]
    public async Task DownloadsVerifiesAndPlacesTheFile()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        http.Files["https://one/a.gz"] = Content;
        var log = new List<string>();
        using var downloader = new DatasetDownloader(http, log.Add);

        DownloadResult result = await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);

        Assert.Equal(["a.gz"], result.Downloaded);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "a.gz")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "toy", "a.gz.part")));
        Assert.Contains(log, l => l.Contains("verified a.gz"));
    }

    [Fact]
    public async Task SkipsAFileThatIsPresentAndValidButReplacesADamagedOne()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        http.Files["https://one/a.gz"] = Content;
        using var downloader = new DatasetDownloader(http);
        await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);

        DownloadResult again = await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);
        Assert.Equal(["a.gz"], again.AlreadyPresent);
        Assert.Single(http.Requests);

        File.WriteAllBytes(Path.Combine(dir.Path, "toy", "a.gz"), [1, 2, 3]);
        DownloadResult repaired = await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);
        Assert.Equal(["a.gz"], repaired.Downloaded);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "a.gz")));
    }

    [Fact]
    public async Task FallsBackToTheNextMirror()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        http.Unreachable.Add("https://down/a.gz");
        http.Files["https://up/a.gz"] = Content;
        using var downloader = new DatasetDownloader(http);
        DownloadResult result = await downloader.DownloadAsync(Toy("https://down/a.gz", "https://missing/a.gz", "https://up/a.gz"), dir.Path, default);
        Assert.Equal(["a.gz"], result.Downloaded);
        Assert.Equal(["https://down/a.gz", "https://missing/a.gz", "https://up/a.gz"], http.Requests.Select(r => r.Url));
    }

    [Fact]
    public async Task AllMirrorsFailingIsOneClearError()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        http.Unreachable.Add("https://down/a.gz");
        http.Statuses["https://busy/a.gz"] = System.Net.HttpStatusCode.ServiceUnavailable;
        using var downloader = new DatasetDownloader(http);
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Toy("https://down/a.gz", "https://busy/a.gz"), dir.Path, default));
        Synthetic.AssertMessage(e, "could not download a.gz", "https://down/a.gz: Connection refused", "https://busy/a.gz: HTTP 503", "sprout data download toy", Path.Combine(dir.Path, "toy"));
    }

    [Fact]
    public async Task ChecksumMismatchDeletesTheTempFileAndSaysSo()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        byte[] wrong = (byte[])Content.Clone();
        wrong[500] ^= 1;
        http.Files["https://one/a.gz"] = wrong;
        using var downloader = new DatasetDownloader(http);
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default));
        Synthetic.AssertMessage(e, "a.gz", "SHA-256 mismatch", $"expected {Sha(Content)}", $"got {Sha(wrong)}", "temp file deleted");
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "toy")), "a failed download left its (empty) dataset folder");
    }

    [Fact]
    public async Task ResumesAPartialDownloadWithARangeRequest()
    {
        using var dir = new TempDir();
        dir.Write("toy/a.gz.part", Content[..40_000]);
        var http = new FakeHttp();
        http.Files["https://one/a.gz"] = Content;
        using var downloader = new DatasetDownloader(http);
        await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);
        Assert.Equal(40_000, Assert.Single(http.Requests).Range!.Ranges.First().From);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "a.gz")));
    }

    [Fact]
    public async Task ServerIgnoringRangeRestartsTheFile()
    {
        using var dir = new TempDir();
        dir.Write("toy/a.gz.part", Content[..40_000]);
        var http = new FakeHttp { HonorRange = false };
        http.Files["https://one/a.gz"] = Content;
        using var downloader = new DatasetDownloader(http);
        await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "a.gz")));
    }

    [Fact]
    public async Task StaleCorruptPartIsRetriedFromScratch()
    {
        using var dir = new TempDir();
        dir.Write("toy/a.gz.part", new byte[40_000]);   // wrong bytes: the resumed file fails verification
        var http = new FakeHttp();
        http.Files["https://one/a.gz"] = Content;
        using var downloader = new DatasetDownloader(http);
        await downloader.DownloadAsync(Toy("https://one/a.gz"), dir.Path, default);
        Assert.Equal(2, http.Requests.Count);
        Assert.Null(http.Requests[1].Range);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "a.gz")));
    }

    private static byte[] TarGz(params (string Name, byte[] Bytes)[] entries)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "batches/"));
            foreach ((string name, byte[] bytes) in entries)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "batches/" + name) { DataStream = new MemoryStream(bytes) });
        }
        return output.ToArray();
    }

    private static DatasetManifest ArchiveManifest(byte[] archive, params ArchiveMember[] members) =>
        new("toy", "toy", [new RemoteFile("toy.tar.gz", ["https://one/toy.tar.gz"], Checksum.Md5(Convert.ToHexStringLower(MD5.HashData(archive)))) { Members = members }]);

    [Fact]
    public async Task ExtractsListedArchiveMembersVerifiesThemAndDeletesTheArchive()
    {
        using var dir = new TempDir();
        byte[] b1 = Encoding.ASCII.GetBytes("batch one"), meta = Encoding.ASCII.GetBytes("cat\ndog\n");
        byte[] archive = TarGz(("b1.bin", b1), ("readme.html", [1]), ("meta.txt", meta));
        var http = new FakeHttp();
        http.Files["https://one/toy.tar.gz"] = archive;
        using var downloader = new DatasetDownloader(http);
        DatasetManifest manifest = ArchiveManifest(archive, new ArchiveMember("b1.bin", Checksum.Sha256(Sha(b1))), new ArchiveMember("meta.txt"));

        DownloadResult result = await downloader.DownloadAsync(manifest, dir.Path, default);

        Assert.Equal(["b1.bin", "meta.txt"], result.Downloaded);
        Assert.Equal(["b1.bin", "meta.txt"], Directory.GetFiles(Path.Combine(dir.Path, "toy")).Select(Path.GetFileName).Order());
        Assert.Equal(b1, File.ReadAllBytes(Path.Combine(dir.Path, "toy", "b1.bin")));

        DownloadResult again = await downloader.DownloadAsync(manifest, dir.Path, default);
        Assert.Equal(["b1.bin", "meta.txt"], again.AlreadyPresent);
        Assert.Single(http.Requests);
    }

    [Fact]
    public async Task ArchiveWithoutAnExpectedMemberIsReported()
    {
        using var dir = new TempDir();
        byte[] archive = TarGz(("b1.bin", [1, 2]));
        var http = new FakeHttp();
        http.Files["https://one/toy.tar.gz"] = archive;
        using var downloader = new DatasetDownloader(http);
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(ArchiveManifest(archive, new("b1.bin"), new("b2.bin")), dir.Path, default));
        Synthetic.AssertMessage(e, "toy.tar.gz", "lacks b2.bin");
    }

    [Fact]
    public async Task ArchiveMemberWithTheWrongDigestIsReported()
    {
        using var dir = new TempDir();
        byte[] archive = TarGz(("b1.bin", [1, 2]));
        var http = new FakeHttp();
        http.Files["https://one/toy.tar.gz"] = archive;
        using var downloader = new DatasetDownloader(http);
        DatasetManifest manifest = ArchiveManifest(archive, new ArchiveMember("b1.bin", Checksum.Sha256(Sha([9]))));
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(manifest, dir.Path, default));
        Synthetic.AssertMessage(e, "member b1.bin", "SHA-256", $"expected {Sha([9])}");
        Assert.False(File.Exists(Path.Combine(dir.Path, "toy", "b1.bin")));
    }

    [Fact]
    public async Task CorruptArchiveIsReportedAndDeleted()
    {
        using var dir = new TempDir();
        byte[] archive = Synthetic.Gzip(Enumerable.Repeat((byte)7, 5000).ToArray());   // valid gzip, not a tar
        var http = new FakeHttp();
        http.Files["https://one/toy.tar.gz"] = archive;
        using var downloader = new DatasetDownloader(http);
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync(ArchiveManifest(archive, new ArchiveMember("b1.bin")), dir.Path, default));
        Synthetic.AssertMessage(e, "toy.tar.gz", "archive is corrupt", "was deleted");
        Assert.False(File.Exists(Path.Combine(dir.Path, "toy", "toy.tar.gz")));
    }

    [Fact]
    public async Task DigitsNeedNothingAndUnknownNamesAreRejected()
    {
        var http = new FakeHttp();
        using var downloader = new DatasetDownloader(http);
        DownloadResult digits = await downloader.DownloadAsync("digits", "/nonexistent");
        Assert.Equal("embedded", digits.Folder);
        Assert.Empty(http.Requests);
        Assert.False(DatasetDownloader.CanDownload("digits"));
        Assert.True(DatasetDownloader.CanDownload("cifar-10"));
        await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync("imagenet", "/nonexistent"));
    }

    [Fact]
    public void ManifestsCoverEveryDownloadableDatasetWithSecureFirstMirrors()
    {
        foreach (string name in DatasetRegistry.Names.Where(DatasetDownloader.CanDownload))
        {
            DatasetManifest manifest = DatasetManifest.For(name)!;
            Assert.Contains(manifest.Folder, DatasetRegistry.FolderNames(name));
            Assert.All(manifest.Files, f => Assert.NotEmpty(f.Urls));
            Assert.All(manifest.Files, f => Assert.Equal(f.Checksum.Kind == DigestKind.Sha256 ? 64 : 32, f.Checksum.Hex.Length));
        }
        Assert.StartsWith("https://", DatasetDownloader.Urls("mnist")[0]);
    }

    [Fact]
    public async Task ExistingAlternativeFolderIsReusedNotShadowed()
    {
        // Without the real files the digests cannot match, so the archive is fetched: into the existing folder.
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "cifar-10-batches-bin"));
        var http = new FakeHttp();
        using var downloader = new DatasetDownloader(http);
        var e = await Assert.ThrowsAsync<DataException>(() => downloader.DownloadAsync("cifar10", dir.Path));
        Synthetic.AssertMessage(e, "cifar-10-binary.tar.gz", "HTTP 404", Path.Combine(dir.Path, "cifar-10-batches-bin"));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "cifar-10")));
    }

    [RequiresDataFact]
    public async Task PublishedDigestsMatchTheRealFiles()
    {
        // Every request fails, so success means each file in shared/data matched its manifest digest.
        var http = new FakeHttp();
        using var downloader = new DatasetDownloader(http);
        foreach (string name in new[] { "mnist", "fashion-mnist", "cifar10" })
        {
            DownloadResult result = await downloader.DownloadAsync(name, TestData.Directory!);
            Assert.Empty(result.Downloaded);
        }
        Assert.Empty(http.Requests);
    }

    [RequiresDataFact]
    public async Task MnistDownloadsFromAMirrorAndLoads()
    {
        using var dir = new TempDir();
        var http = new FakeHttp();
        foreach (string file in Directory.GetFiles(TestData.PathOf("mnist")))
            http.Files["https://storage.googleapis.com/cvdf-datasets/mnist/" + Path.GetFileName(file)] = File.ReadAllBytes(file);
        using var downloader = new DatasetDownloader(http);
        DownloadResult result = await downloader.DownloadAsync("mnist", dir.Path);
        Assert.Equal(4, result.Downloaded.Count);
        DatasetSplits mnist = DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = dir.Path, RequireOfficialCounts = false });
        Assert.Equal(60_000, mnist.Train.Count);
    }
}
