// TfRecordWriter: the TFRecord framing TensorBoard's event files use. Each record is
//   uint64 length | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)
// in little-endian, where masked_crc(x) = ((crc >> 15) | (crc << 17)) + 0xa282ead8 over CRC-32C (Castagnoli).
// CRC-32C comes from System.IO.Hashing; this file is the framing only, not protobuf (the payload is opaque bytes).
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Sprout.Reporting.TensorBoard;

/// <summary>Appends TFRecord-framed records to a stream.</summary>
public sealed class TfRecordWriter(Stream stream) : IDisposable
{
    private const uint MaskDelta = 0xa282ead8u;
    private readonly byte[] _header = new byte[12];
    private readonly byte[] _footer = new byte[4];

    /// <summary>The TFRecord mask of a CRC-32C: rotate right by 15 bits, add 0xa282ead8.</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + MaskDelta);

    /// <summary>The masked CRC-32C of <paramref name="data"/>, as stored in a record.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data) => Mask(Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data));

    /// <summary>Writes one record holding <paramref name="data"/>.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), MaskedCrc(_header.AsSpan(0, 8)));
        BinaryPrimitives.WriteUInt32LittleEndian(_footer, MaskedCrc(data));
        stream.Write(_header);
        stream.Write(data);
        stream.Write(_footer);
    }

    /// <summary>Flushes the underlying stream.</summary>
    public void Flush() => stream.Flush();

    /// <inheritdoc/>
    public void Dispose() => stream.Dispose();
}
