// Seeds: small valid files of every format Sprout reads, built in code (so the fuzzer starts from files that
// load), plus the one Sprout checkpoint per fixture that the safetensors properties mutate.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Sprout.Cli;
using Sprout.TestSupport;

namespace Sprout.Fuzz.Tests;

public static class Seeds
{
    public static byte[] IdxImages(int count = 6, int rows = 5, int columns = 4)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)(i * 37);
        return bytes;
    }

    public static byte[] IdxLabels(int count = 6)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        for (int i = 0; i < count; i++) bytes[8 + i] = (byte)(i % 10);
        return bytes;
    }

    public static byte[] Cifar(int records = 2, int labelBytes = 1)
    {
        int size = labelBytes + 3072;
        var bytes = new byte[records * size];
        for (int r = 0; r < records; r++)
        {
            for (int k = 0; k < labelBytes; k++) bytes[r * size + k] = (byte)((r + k) % 10);
            for (int p = 0; p < 3072; p++) bytes[r * size + labelBytes + p] = (byte)(p * 7 + r);
        }
        return bytes;
    }

    public static byte[] DigitsCsv(int lines = 12)
    {
        var sb = new StringBuilder();
        for (int l = 0; l < lines; l++)
            sb.Append(string.Join(",", Enumerable.Range(0, 64).Select(p => (p * 3 + l) % 17))).Append(',').Append(l % 10).Append('\n');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public static byte[] ConfigYaml() => Encoding.UTF8.GetBytes(
        "# Resolved settings\ndata: digits\nmodel: mlp:16\nmethod: rigl\nepochs: 3\nbatch-size: 50\nlr: 0.05\noptimizer: sgd\n" +
        "momentum: 0.9\nschedule: multistep\nmilestones: [1, 2]\ndensity: 0.2\ndistribution: erk\nseed: 7\n");

    public static byte[] Gzip(byte[] content)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(content);
        return output.ToArray();
    }

    /// <summary>Trains a tiny sparse run on the embedded digits and returns its last.safetensors bytes.</summary>
    public static byte[] SparseCheckpoint(TempDir dir)
    {
        string run = dir.PathOf("seed-run");
        int code = SproutCli.Run(["train", "--method", "set", "--density", "0.5", "--model", "mlp:8", "--epochs", "1", "--out", run],
            TextWriter.Null, TextWriter.Null);
        if (code != 0) throw new InvalidOperationException($"the seed run failed with exit {code}");
        return File.ReadAllBytes(Path.Combine(run, "last.safetensors"));
    }

    /// <summary>Bytes 0..8+N of a safetensors image: the length field and the JSON header.</summary>
    public static int SafetensorsHead(byte[] image) => 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(image);
}
