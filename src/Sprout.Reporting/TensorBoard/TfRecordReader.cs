// TfRecordReader: reads TFRecord framing back, checking both masked CRC-32Cs of every record. Used by the tests
// to prove the event files are well formed, and by anyone who wants to inspect a file without TensorBoard.
using System.Buffers.Binary;

namespace Sprout.Reporting.TensorBoard;

/// <summary>Reads TFRecord-framed records and verifies their checksums.</summary>
public static class TfRecordReader
{
    /// <summary>Every record's payload, in order.</summary>
    /// <exception cref="InvalidDataException">A record is truncated or a checksum does not match.</exception>
    public static IEnumerable<byte[]> ReadAll(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int offset = 0, index = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 12) throw new InvalidDataException($"{path}: record {index} has a truncated header.");
            var header = bytes.AsSpan(offset, 12);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != TfRecordWriter.MaskedCrc(header[..8]))
                throw new InvalidDataException($"{path}: record {index} has a wrong length checksum.");
            if (length > (ulong)(bytes.Length - offset - 16)) throw new InvalidDataException($"{path}: record {index} is truncated.");
            var data = bytes.AsSpan(offset + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + (int)length, 4)) != TfRecordWriter.MaskedCrc(data))
                throw new InvalidDataException($"{path}: record {index} has a wrong data checksum.");
            yield return data.ToArray();
            offset += 16 + (int)length;
            index++;
        }
    }
}
