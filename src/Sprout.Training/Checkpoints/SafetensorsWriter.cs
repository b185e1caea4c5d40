// SafetensorsWriter: writes float32 tensors in the safetensors format
// (https://github.com/huggingface/safetensors, "Format" section), so files open in Python's
// `safetensors` package and other tools. Layout: u64 little-endian header length N, N bytes of UTF-8
// JSON (padded with spaces so the data starts 8-byte aligned), then each tensor's raw little-endian
// bytes, back to back with no gaps, in the order of the header's data_offsets.
// It writes F32 (parameters, optimizer state), and F64/I32/I64 for other training state (sparse structure,
// counters, random streams), and never writes partial files: it writes a temporary file and
// renames it, so a crash mid-write leaves the previous checkpoint intact.
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sprout.Core;

namespace Sprout.Training.Checkpoints;

/// <summary>Writes tensors to the safetensors format (dtype "F32").</summary>
public static class SafetensorsWriter
{
    /// <summary>Key under which the format stores free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (sorted by name, ordinal) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, replacing any existing file atomically.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, duplicated, or the reserved "__metadata__".</exception>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, Entries(tensors), metadata);

    /// <summary>Writes arrays of any supported element type (float, double, int, long) with their shapes; see the other overload.</summary>
    /// <exception cref="ArgumentException">A name is empty, duplicated or reserved, or an element type is not supported.</exception>
    public static void Write(string path, IEnumerable<StateEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        byte[] bytes = ToBytes(tensors, metadata);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Runs.AtomicFile.WriteAllBytes(full, bytes);
    }

    /// <summary>Serializes to an in-memory safetensors image (see <see cref="Write(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>).</summary>
    public static byte[] ToBytes(IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        ToBytes(Entries(tensors), metadata);

    /// <summary>Serializes arrays of any supported element type to an in-memory safetensors image.</summary>
    public static byte[] ToBytes(IEnumerable<StateEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = new List<StateEntry>(tensors);
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 0; i < list.Count; i++)
        {
            string name = list[i].Name;
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Tensor names must be non-empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved by the format.", nameof(tensors));
            if (i > 0 && list[i - 1].Name == name) throw new ArgumentException($"Duplicate tensor name '{name}'.", nameof(tensors));
            DtypeOf(list[i].Data);
        }

        byte[] header = BuildHeader(list, metadata);
        long dataBytes = 0;
        foreach (var e in list) dataBytes += ByteCount(e.Data);
        long total = 8 + header.Length + dataBytes;
        if (total > Array.MaxLength) throw new ArgumentException($"Checkpoint would be {total} bytes, more than one array can hold.", nameof(tensors));

        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        int offset = 8 + header.Length;
        foreach (var e in list)
        {
            int n = (int)ByteCount(e.Data);
            WriteLittleEndian(e.Data, bytes.AsSpan(offset, n));
            offset += n;
        }
        return bytes;
    }

    /// <summary>The safetensors dtype of an array: F32, F64, I32 or I64.</summary>
    /// <exception cref="ArgumentException">Another element type.</exception>
    public static string DtypeOf(Array data) => data switch
    {
        float[] => "F32",
        double[] => "F64",
        int[] => "I32",
        long[] => "I64",
        _ => throw new ArgumentException($"Safetensors arrays must be float, double, int or long, not {data.GetType().Name}.", nameof(data)),
    };

    private static long ByteCount(Array data) => (long)data.Length * (data is double[] or long[] ? 8 : 4);

    private static IEnumerable<StateEntry> Entries(IEnumerable<(string Name, Tensor Tensor)> tensors) =>
        tensors.Select(t => new StateEntry(t.Name, t.Tensor.Data.ToArray(), t.Tensor.Shape.ToArray()));

    private static byte[] BuildHeader(List<StateEntry> list, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps metadata (the YAML config) readable in the header; the output is still strict JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                var keys = new List<string>(metadata.Keys);
                keys.Sort(string.CompareOrdinal);
                foreach (string key in keys) json.WriteString(key, metadata[key]);
                json.WriteEndObject();
            }
            long begin = 0;
            foreach (var e in list)
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", DtypeOf(e.Data));
                json.WriteStartArray("shape");
                foreach (int d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                long end = begin + ByteCount(e.Data);
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(begin);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                begin = end;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so that 8 + header length is a multiple of 8 (the reference writer does the same).
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteLittleEndian(Array data, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            switch (data)
            {
                case float[] f: MemoryMarshal.AsBytes(f.AsSpan()).CopyTo(destination); return;
                case double[] d: MemoryMarshal.AsBytes(d.AsSpan()).CopyTo(destination); return;
                case int[] i: MemoryMarshal.AsBytes(i.AsSpan()).CopyTo(destination); return;
                case long[] l: MemoryMarshal.AsBytes(l.AsSpan()).CopyTo(destination); return;
            }
        }
        switch (data)
        {
            case float[] f: for (int k = 0; k < f.Length; k++) BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * k)..], f[k]); break;
            case double[] d: for (int k = 0; k < d.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(destination[(8 * k)..], d[k]); break;
            case int[] i: for (int k = 0; k < i.Length; k++) BinaryPrimitives.WriteInt32LittleEndian(destination[(4 * k)..], i[k]); break;
            case long[] l: for (int k = 0; k < l.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(destination[(8 * k)..], l[k]); break;
        }
    }
}
