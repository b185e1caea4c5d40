// AtomicFile (issue 11, defect 7): a write that fails part-way (here the final rename, as on a full disk or a
// read-only folder) leaves the old file as it was and no "<name>.tmp" behind.
using Sprout.TestSupport;
using Sprout.Training.Runs;

namespace Sprout.Training.Tests.Runs;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-atomic");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AFailedReplaceRemovesItsTemporaryFile()
    {
        string target = Directory.CreateDirectory(_dir.PathOf("last.safetensors")).FullName; // a folder: the rename must fail
        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllBytes(target, [1, 2, 3]));
        Assert.False(File.Exists(target + ".tmp"));
        string source = _dir.Write("src.bin", [4, 5]);
        Assert.ThrowsAny<IOException>(() => AtomicFile.Copy(source, target));
        Assert.False(File.Exists(target + ".tmp"));
    }

    [Fact]
    public void AReplaceIsWholeOrNothing()
    {
        string target = _dir.PathOf("f.bin");
        AtomicFile.WriteAllBytes(target, [1, 2, 3]);
        AtomicFile.WriteAllBytes(target, [9]);
        Assert.Equal([9], File.ReadAllBytes(target));
        Assert.False(File.Exists(target + ".tmp"));
    }
}
