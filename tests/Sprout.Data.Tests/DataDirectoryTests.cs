// DataDirectory's search order, through the internal overload that takes the environment and directories
// as arguments (so tests never touch the process environment or current directory).
using Sprout.TestSupport;

namespace Sprout.Data.Tests;

public class DataDirectoryTests
{
    [Fact]
    public void ExplicitDirectoryWinsEvenWhenAbsent()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "nowhere");
        Assert.Equal(missing, DataDirectory.Resolve(missing, "/env", dir.Path, dir.Path));
        Assert.Equal("from --data-dir", DataDirectory.DescribeSource(missing, "/env", dir.Path, dir.Path));
    }

    [Fact]
    public void EnvironmentComesNextThenLocalData()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "data"));
        Assert.Equal("/env", DataDirectory.Resolve(null, "/env", dir.Path, dir.Path));
        Assert.Equal(Path.Combine(dir.Path, "data"), DataDirectory.Resolve(null, "", dir.Path, dir.Path));
        Assert.Equal("./data", DataDirectory.DescribeSource(null, null, dir.Path, dir.Path));
    }

    [Fact]
    public void WalksUpToSharedData()
    {
        using var dir = new TempDir();
        string shared = Path.Combine(dir.Path, "shared", "data");
        string deep = Path.Combine(dir.Path, "main", "src", "x");
        Directory.CreateDirectory(shared);
        Directory.CreateDirectory(deep);
        Assert.Equal(shared, DataDirectory.Resolve(null, null, deep, "/"));
        Assert.Equal(shared, DataDirectory.Resolve(null, null, "/", deep));
    }

    [Fact]
    public void NothingFoundIsNullAndDescribed()
    {
        using var dir = new TempDir();
        Assert.Null(DataDirectory.Resolve(null, null, dir.Path, dir.Path));
        string why = DataDirectory.DescribeSource(null, null, dir.Path, dir.Path);
        Assert.Contains("no data directory found", why);
        Assert.Contains(dir.Path, why);
    }
}
