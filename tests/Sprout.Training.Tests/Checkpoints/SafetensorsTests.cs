// Safetensors writer/reader tests: a hand-built byte buffer that follows the published format (so the
// files stay readable by Python's `safetensors` without needing Python here), round trips, and every
// kind of corruption the reader must reject with a one-line message.
using System.Buffers.Binary;
using System.Text;
using Sprout.Core;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Training.Tests.Checkpoints;

public class SafetensorsTests
{
    // What the spec says a file holding a = [1, 2] (F32) looks like: u64 LE header length, the JSON header
    // padded with spaces so data starts 8-byte aligned, then the little-endian floats.
    private static byte[] HandBuilt()
    {
        string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        int padded = (json.Length + 7) / 8 * 8;
        var bytes = new List<byte>();
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        bytes.AddRange(len);
        bytes.AddRange(Encoding.ASCII.GetBytes(json.PadRight(padded)));
        bytes.AddRange([0x00, 0x00, 0x80, 0x3F]); // 1.0f
        bytes.AddRange([0x00, 0x00, 0x00, 0x40]); // 2.0f
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsHandBuiltSpecBuffer()
    {
        var file = SafetensorsFile.Parse(HandBuilt());
        var entry = Assert.Single(file.Entries);
        Assert.Equal("a", entry.Name);
        Assert.Equal([2], entry.Shape);
        Assert.Equal([1f, 2f], file.ToArray("a"));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void WriterProducesTheSpecBytesExactly()
    {
        var bytes = SafetensorsWriter.ToBytes([("a", new Tensor([1f, 2f], 2))]);
        Assert.Equal(HandBuilt(), bytes);
        Assert.Equal(0, (8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes)) % 8);
    }

    [Fact]
    public void RoundTripsTensorsAndMetadataInNameOrder()
    {
        var w = new Tensor([1f, -2f, 3.5f, float.Epsilon, 5f, 6f], 2, 3);
        var b = new Tensor([0.25f], 1);
        var empty = new Tensor(0, 4);
        var meta = new Dictionary<string, string> { ["step"] = "12", ["note"] = "héllo \"quoted\"" };
        var bytes = SafetensorsWriter.ToBytes([("layers.1.weight", w), ("layers.0.bias", b), ("empty", empty)], meta);

        var file = SafetensorsFile.Parse(bytes);
        Assert.Equal(["empty", "layers.0.bias", "layers.1.weight"], file.Entries.Select(e => e.Name));
        Assert.Equal([2, 3], file.Entry("layers.1.weight").Shape);
        Assert.Equal(w.ToArray(), file.ToArray("layers.1.weight"));
        Assert.Equal([0.25f], file.ToArray("layers.0.bias"));
        Assert.Equal([0, 4], file.Entry("empty").Shape);
        Assert.Equal(meta, file.Metadata);
        // Data offsets follow the sorted name order and tile the data section.
        Assert.Equal(0, file.Entry("empty").Begin);
        Assert.Equal(0, file.Entry("layers.0.bias").Begin);
        Assert.Equal(4, file.Entry("layers.1.weight").Begin);
    }

    [Fact]
    public void WriteIsDeterministicAndReplacesAtomically()
    {
        using var dir = new TempDir("sprout-st");
        string path = dir.PathOf("x.safetensors");
        var t = new Tensor([1f, 2f, 3f], 3);
        SafetensorsWriter.Write(path, [("t", t)], new Dictionary<string, string> { ["k"] = "v" });
        byte[] first = File.ReadAllBytes(path);
        SafetensorsWriter.Write(path, [("t", t)], new Dictionary<string, string> { ["k"] = "v" });
        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal([dir.PathOf("x.safetensors")], Directory.GetFiles(dir.Path));
        Assert.Equal([1f, 2f, 3f], SafetensorsFile.Read(path).ToArray("t"));
    }

    [Fact]
    public void RejectsBadNames()
    {
        var t = new Tensor(1);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([("x", t), ("x", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([("__metadata__", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([("", t)]));
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "empty", "bytes long" },
        { "truncated-data", "truncated or corrupt" },
        { "truncated-header", "only" },
        { "huge-header-length", "limit" },
        { "not-json", "not valid JSON" },
        { "not-object", "does not start with '{'" },
        { "dtype", "dtype F16" },
        { "offsets-vs-shape", "data_offsets span" },
        { "gap", "gap or overlap" },
        { "extra-bytes", "truncated or corrupt" },
        { "metadata-not-string", "is not a string" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFilesGiveOneLineErrors(string kind, string phrase)
    {
        byte[] good = HandBuilt();
        byte[] bytes = kind switch
        {
            "empty" => [],
            "truncated-data" => good[..^3],
            "truncated-header" => good[..20],
            "huge-header-length" => WithLength(good, ulong.MaxValue),
            "not-json" => WithHeader("{\"a\":{\"dtype\":\"F32\",", [1f, 2f]),
            "not-object" => WithHeader("[1, 2]", []),
            "dtype" => WithHeader("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", [1f]),
            "offsets-vs-shape" => WithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", [1f, 2f]),
            "gap" => WithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", [1f, 2f]),
            "extra-bytes" => [.. good, 0, 0, 0, 0],
            "metadata-not-string" => WithHeader("{\"__metadata__\":{\"step\":3}}", []),
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Parse(bytes, "ckpt.safetensors"));
        Assert.Contains(phrase, e.Message);
        Assert.StartsWith("ckpt.safetensors", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileIsACheckpointError()
    {
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Read("/nonexistent/nope.safetensors"));
        Assert.Contains("not found", e.Message);
    }

    private static byte[] WithLength(byte[] bytes, ulong length)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }

    private static byte[] WithHeader(string json, float[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 4 * data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + header.Length + 4 * i), data[i]);
        return bytes;
    }
}
