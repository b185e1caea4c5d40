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

// A reader that knows only the safetensors format (as Python's `safetensors` or a C program would) rebuilds a
// sparse checkpoint: header JSON, dtypes, tiled offsets, and from the raw bytes the CSR matrix of a layer.
public class ForeignReaderTests
{
    [Fact]
    public void ForeignReaderRebuildsASparseLayerFromRawBytes()
    {
        var model = Sprout.Nn.SparseModels.Mlp(12, [10], 3, [0.3, 0.5], new Rng(3));
        var trainer = new Trainer(model, new Sprout.Nn.Optim.Sgd(model.NamedParameters(), 0.1f, momentum: 0.9f));
        string path = Path.Combine(Path.GetTempPath(), $"sprout-foreign-{Environment.ProcessId}.safetensors");
        try
        {
            Checkpoint.Save(path, trainer);
            byte[] bytes = File.ReadAllBytes(path);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)n));
            long dataStart = 8 + (long)n, next = 0;
            var ranges = new Dictionary<string, (string Dtype, int[] Shape, long Begin, long End)>();
            foreach (var p in header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
            {
                string dtype = p.Value.GetProperty("dtype").GetString()!;
                int[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                long begin = p.Value.GetProperty("data_offsets")[0].GetInt64(), end = p.Value.GetProperty("data_offsets")[1].GetInt64();
                int size = dtype switch { "F32" or "I32" => 4, "F64" or "I64" => 8, _ => throw new Xunit.Sdk.XunitException($"unexpected dtype {dtype}") };
                Assert.Equal(shape.Aggregate(1L, (a, d) => a * d) * size, end - begin);
                ranges[p.Name] = (dtype, shape, begin, end);
            }
            foreach (var (begin, end) in ranges.Values.Select(r => (r.Begin, r.End)).Order())
            {
                Assert.Equal(next, begin);
                next = end;
            }
            Assert.Equal(bytes.Length - dataStart, next);
            Assert.Contains("indptr", header.RootElement.GetProperty("__metadata__").GetProperty(Checkpoint.LayoutKey).GetString());

            int[] Ints(string name) => Enumerable.Range(0, ranges[name].Shape[0])
                .Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)(dataStart + ranges[name].Begin) + 4 * i))).ToArray();
            float[] Floats(string name) => Enumerable.Range(0, ranges[name].Shape[0])
                .Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + ranges[name].Begin) + 4 * i))).ToArray();
            long[] shape2 = Enumerable.Range(0, 2).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)(dataStart + ranges["1.weight.shape"].Begin) + 8 * i))).ToArray();
            Assert.Equal(("I32", "I32", "F32", "I64"), (ranges["1.weight.indptr"].Dtype, ranges["1.weight.indices"].Dtype, ranges["1.weight"].Dtype, ranges["1.weight.shape"].Dtype));
            var (indptr, indices, values) = (Ints("1.weight.indptr"), Ints("1.weight.indices"), Floats("1.weight"));
            var dense = new float[shape2[0] * shape2[1]];
            for (int r = 0; r < shape2[0]; r++)
                for (int k = indptr[r]; k < indptr[r + 1]; k++) dense[r * shape2[1] + indices[k]] = values[k];
            var layer = (Sprout.Nn.SparseLinear)model.Layers[1];
            Assert.Equal(layer.Topology.ToDense(), dense);
            Assert.Equal(layer.Topology.Nnz, ranges["optimizer.1.weight.momentum"].Shape[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void IntegerTensorsFollowTheSpecLayout()
    {
        var bytes = SafetensorsWriter.ToBytes([new StateEntry("i", new[] { 1, -2 }, [2]), new StateEntry("l", new[] { 3L }, [1])]);
        string json = "{\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json.PadRight(padded), Encoding.ASCII.GetString(bytes, 8, padded));
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0, 0, 0, 0, 0 }, bytes[(8 + padded)..]);
        var file = SafetensorsFile.Parse(bytes);
        Assert.Equal(new[] { 1, -2 }, (int[])file.ToTypedArray("i"));
        Assert.Equal(new[] { 3L }, (long[])file.ToTypedArray("l"));
        Assert.Throws<CheckpointException>(() => file.ToArray("i"));
    }
}
