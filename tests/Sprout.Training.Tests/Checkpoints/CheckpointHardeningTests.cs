// Checkpoint reading against hostile files (issue 11, defects 4, 5 and 8): every case is a one-line
// CheckpointException, never another exception, an unbounded read or silently loaded garbage.
using System.Buffers.Binary;
using System.Text;
using Sprout.Core;
using Sprout.Nn;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Training.Tests.Checkpoints;

public sealed class CheckpointHardeningTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-ckpt-hard");

    public void Dispose() => _dir.Dispose();

    /// <summary>A safetensors image with <paramref name="header"/> as its raw header bytes and <paramref name="dataBytes"/> zero bytes of data.</summary>
    internal static byte[] WithHeader(byte[] header, int dataBytes)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<byte[], string> BadHeaders() => new()
    {
        // The reproduction: a 0xFF byte inside a tensor name.
        { WithHeader([.. "{\"a"u8, 0xFF, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8], 4), "not valid UTF-8" },
        { WithHeader("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8.ToArray(), 4), "names 'dtype' twice" },
        { WithHeader("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8.ToArray(), 4), "__metadata__ names 'k' twice" },
        { WithHeader(Encoding.ASCII.GetBytes("{" + string.Join(",", Enumerable.Range(0, SafetensorsFile.MaxTensors + 2)
            .Select(i => $"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")) + "}"), 0), "more than 100000 tensors" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void HostileHeadersAreOneLineErrors(byte[] image, string phrase)
    {
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Parse(image, "x.safetensors"));
        Assert.Contains(phrase, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DevicesAndFoldersAreRefusedWithoutReadingThem()
    {
        // /dev/zero reports length 0 and never ends: File.ReadAllBytes read 4.3 GB of it before crashing.
        if (File.Exists("/dev/zero"))
            Assert.Contains("not a regular file", Assert.Throws<CheckpointException>(() => SafetensorsFile.Read("/dev/zero")).Message);
        Assert.Contains("is a folder", Assert.Throws<CheckpointException>(() => SafetensorsFile.Read(_dir.Path)).Message);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedNamingTheTensor()
    {
        var data = new Blobs(seed: 31);
        var trainer = TrainerTests.Make(data);
        Span<float> Weights(string name) => trainer.Model.NamedParameters().Single(p => p.Name == name).Tensor.Data;
        Weights("1.weight")[3] = float.NaN;
        string path = _dir.PathOf("nan.safetensors");
        Checkpoint.Save(path, trainer);
        var model = Models.Mlp(data.Features, [16], data.Classes, new Rng(5));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, model));
        Assert.Contains("tensor '1.weight' holds a non-finite value (NaN at index 3)", e.Message);
        Assert.Throws<CheckpointException>(() => Checkpoint.Restore(path, TrainerTests.Make(data)));

        Weights("1.weight")[3] = 0;
        Weights("3.bias")[0] = float.PositiveInfinity;
        Checkpoint.Save(path, trainer);
        Assert.Contains("non-finite", Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, model)).Message);
    }
}
