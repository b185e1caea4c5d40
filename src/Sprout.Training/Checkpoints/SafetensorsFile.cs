// SafetensorsFile: reads and validates a safetensors file (the format SafetensorsWriter writes) into
// memory. Validation follows the reference implementation: the header must be a JSON object, every
// tensor's byte range must match its shape, ranges must tile the data section from 0 with no gaps or
// overlaps, and the file must end exactly where the last tensor does. Every failure is a
// CheckpointException whose one-line message names the file and the problem.
// Dtypes F32, F64, I32 and I64 are read (what SafetensorsWriter writes); others are reported, not converted.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Sprout.Training.Checkpoints;

/// <summary>A parsed, validated safetensors file held in memory.</summary>
public sealed class SafetensorsFile
{
    /// <summary>Headers larger than this are rejected as corrupt (the reference reader uses the same cap).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Files with more tensors than this are refused (a Sprout checkpoint has a few hundred at most).</summary>
    public const int MaxTensors = 100_000;

    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(byte[] bytes, long dataStart, List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        _bytes = bytes;
        _dataStart = dataStart;
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>The tensors, sorted by name (ordinal).</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True when a tensor of this name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>.</summary>
    /// <exception cref="CheckpointException">No tensor has that name.</exception>
    public SafetensorsEntry Entry(string name) =>
        _byName.TryGetValue(name, out var e) ? e : throw new CheckpointException($"The checkpoint has no tensor '{name}'.");

    /// <summary>Copies tensor <paramref name="name"/>'s values into <paramref name="destination"/> (exactly its element count).</summary>
    public void CopyTo(string name, Span<float> destination)
    {
        var e = Entry(name);
        if (e.Dtype != "F32") throw new CheckpointException($"Tensor '{name}' has dtype {e.Dtype}, not F32.");
        if (destination.Length != e.ElementCount)
            throw new CheckpointException($"Tensor '{name}' has {e.ElementCount} values in the checkpoint but the destination holds {destination.Length}.");
        ReadOnlySpan<byte> raw = _bytes.AsSpan((int)(_dataStart + e.Begin), (int)(e.End - e.Begin));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
            return;
        }
        for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
    }

    /// <summary>Tensor <paramref name="name"/>'s values as a new array.</summary>
    public float[] ToArray(string name)
    {
        var values = new float[Entry(name).ElementCount];
        CopyTo(name, values);
        return values;
    }

    /// <summary>Tensor <paramref name="name"/> as a new array of its own element type (float, double, int or long).</summary>
    public Array ToTypedArray(string name)
    {
        var e = Entry(name);
        ReadOnlySpan<byte> raw = _bytes.AsSpan((int)(_dataStart + e.Begin), (int)(e.End - e.Begin));
        int n = (int)e.ElementCount;
        switch (e.Dtype)
        {
            case "F32":
                return ToArray(name);
            case "F64":
                var d = new double[n];
                for (int i = 0; i < n; i++) d[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                return d;
            case "I32":
                var v = new int[n];
                for (int i = 0; i < n; i++) v[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]);
                return v;
            default:
                var l = new long[n];
                for (int i = 0; i < n; i++) l[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
                return l;
        }
    }

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable or not a valid safetensors file.</exception>
    public static SafetensorsFile Read(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new CheckpointException($"Checkpoint file not found: {path}");
        byte[] bytes = BoundedFile.ReadAllBytes(path, Array.MaxLength, why => new CheckpointException($"Checkpoint {path} {why}."));
        return Parse(bytes, path);
    }

    /// <summary>Validates an in-memory safetensors image; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CheckpointException">The bytes are not a valid safetensors image.</exception>
    public static SafetensorsFile Parse(byte[] bytes, string source = "<memory>")
    {
        CheckpointException Bad(string why) => new($"{source} is not a valid safetensors file: {why}.");

        if (bytes.Length < 8) throw Bad($"it is only {bytes.Length} bytes long (truncated?)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes) throw Bad($"the header length field says {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit");
        if ((long)headerLength > bytes.Length - 8) throw Bad($"the header length field says {headerLength} bytes but only {bytes.Length - 8} follow (truncated?)");
        if (headerLength < 2 || bytes[8] != (byte)'{') throw Bad("the header does not start with '{'");
        // Checked up front: the JSON reader would otherwise fail on it with an exception that is not a JsonException.
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(8, (int)headerLength))) throw Bad("the header is not valid UTF-8");

        long dataStart = 8 + (long)headerLength;
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            // Count the entries with a streaming pass before building a document: a header of a million empty
            // tensors is small on disk but would take a gigabyte as a parsed document.
            if (CountEntries(bytes.AsSpan(8, (int)headerLength)) > MaxTensors + 1) throw Bad($"it has more than {MaxTensors} tensors");
            using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("the header is not a JSON object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Bad($"the header names '{property.Name}' twice");
                if (seen.Count > MaxTensors + 1) throw Bad($"it has more than {MaxTensors} tensors");
                if (property.Name == SafetensorsWriter.MetadataKey)
                    ReadMetadata(property.Value, metadata, Bad);
                else
                    entries.Add(ReadEntry(property.Name, property.Value, Bad));
            }
        }
        catch (JsonException e)
        {
            throw Bad($"the header is not valid JSON ({OneLine(e.Message)})");
        }
        catch (DecoderFallbackException)
        {
            throw Bad("the header is not valid UTF-8");
        }

        // The byte ranges must tile the data section exactly, as the reference reader requires.
        var byOffset = new List<SafetensorsEntry>(entries);
        byOffset.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var e in byOffset)
        {
            if (e.Begin != expected) throw Bad($"tensor '{e.Name}' starts at byte {e.Begin} of the data section, expected {expected} (gap or overlap)");
            expected = e.End;
        }
        long dataBytes = bytes.Length - dataStart;
        if (expected != dataBytes)
            throw Bad($"the header describes {expected} data bytes but the file has {dataBytes} (truncated or corrupt)");
        return new SafetensorsFile(bytes, dataStart, entries, metadata);
    }

    private static int CountEntries(ReadOnlySpan<byte> header)
    {
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
        int count = 0;
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && ++count > MaxTensors + 1) break;
        return count;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, Func<string, CheckpointException> bad)
    {
        if (value.ValueKind != JsonValueKind.Object) throw bad("__metadata__ is not an object");
        foreach (var item in value.EnumerateObject())
        {
            if (metadata.ContainsKey(item.Name)) throw bad($"__metadata__ names '{item.Name}' twice");
            if (item.Value.ValueKind != JsonValueKind.String) throw bad($"__metadata__ value '{item.Name}' is not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, Func<string, CheckpointException> bad)
    {
        if (value.ValueKind != JsonValueKind.Object) throw bad($"tensor '{name}' is not an object");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in value.EnumerateObject())
            if (!keys.Add(key.Name)) throw bad($"tensor '{name}' names '{key.Name}' twice");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String) throw bad($"tensor '{name}' has no dtype");
        string type = dtype.GetString()!;
        int size = type switch { "F32" or "I32" => 4, "F64" or "I64" => 8, _ => 0 };
        if (size == 0) throw bad($"tensor '{name}' has dtype {type}; Sprout reads F32, F64, I32 and I64");
        if (!value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array) throw bad($"tensor '{name}' has no shape");
        var shape = new int[shapeJson.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0) throw bad($"tensor '{name}' has a bad shape entry {d.GetRawText()}");
            shape[i++] = dim;
            count *= dim;
            if (count > Array.MaxLength) throw bad($"tensor '{name}' is too large");
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw bad($"tensor '{name}' has no [begin, end] data_offsets");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw bad($"tensor '{name}' has bad data_offsets {offsets.GetRawText()}");
        if (end - begin != size * count) throw bad($"tensor '{name}' has shape [{string.Join(", ", shape)}] ({size * count} bytes of {type}) but data_offsets span {end - begin} bytes");
        return new SafetensorsEntry(name, shape, begin, end, type);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
