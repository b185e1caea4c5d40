// Checksum: an expected SHA-256 or MD5 digest and the code to compare a file against it. MD5 is here only
// because Fashion-MNIST and the CIFAR-10 archive publish nothing stronger; it guards against corruption,
// not tampering. Gzipped copies can be checked against the digest of their decompressed content.
using System.IO.Compression;
using System.Security.Cryptography;

namespace Sprout.Data.Download;

/// <summary>Digest algorithms the manifests use.</summary>
internal enum DigestKind
{
    Sha256,
    Md5,
}

/// <summary>An expected digest, lowercase hex.</summary>
internal readonly record struct Checksum(DigestKind Kind, string Hex)
{
    public static Checksum Sha256(string hex) => new(DigestKind.Sha256, hex.ToLowerInvariant());

    public static Checksum Md5(string hex) => new(DigestKind.Md5, hex.ToLowerInvariant());

    /// <summary>"SHA-256" or "MD5", for messages.</summary>
    public string Name => Kind == DigestKind.Sha256 ? "SHA-256" : "MD5";

    /// <summary>Digest of the file's bytes, or of its decompressed content when <paramref name="decompress"/>.</summary>
    public string Compute(string path, bool decompress = false)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using Stream content = decompress ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var hash = IncrementalHash.CreateHash(Kind == DigestKind.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.MD5);
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = content.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>True when the file's digest matches; <paramref name="actual"/> gets what was computed.</summary>
    public bool Matches(string path, out string actual, bool decompress = false)
    {
        try
        {
            actual = Compute(path, decompress);
        }
        catch (InvalidDataException)
        {
            actual = "(not valid gzip)";
            return false;
        }
        return actual == Hex;
    }
}
