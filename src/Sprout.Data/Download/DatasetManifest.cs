// DatasetManifest: where each dataset's files come from and what their digests must be. Mirrors are tried in
// order. Digests are the published ones listed in shared/data/README.md: SHA-256 where published, MD5 otherwise.
// Archives (CIFAR) are .tar.gz files whose listed members are extracted into the dataset folder, each checked
// against its own digest when one is published; the archive is deleted afterwards.
namespace Sprout.Data.Download;

/// <summary>One member to extract from an archive, matched by file name (the folder inside the archive is ignored).</summary>
internal sealed record ArchiveMember(string FileName, Checksum? Checksum = null);

/// <summary>A file to fetch into the dataset folder; when <see cref="Members"/> is set it is a .tar.gz to unpack.</summary>
internal sealed record RemoteFile(string FileName, IReadOnlyList<string> Urls, Checksum Checksum)
{
    public IReadOnlyList<ArchiveMember>? Members { get; init; }
}

/// <summary>The files of one dataset and the folder (under the data directory) they go to.</summary>
internal sealed record DatasetManifest(string Name, string Folder, IReadOnlyList<RemoteFile> Files)
{
    // MNIST's original host is often unavailable, so the mirrors PyTorch and TensorFlow use come first.
    private static readonly string[] MnistMirrors =
    [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ];

    private static readonly string[] FashionMnistMirrors =
    [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ];

    /// <summary>The manifest of a canonical dataset name, or null for datasets that need no download (digits).</summary>
    public static DatasetManifest? For(string canonicalName) => canonicalName switch
    {
        "mnist" => new("mnist", "mnist",
        [
            Mirrored(MnistMirrors, "train-images-idx3-ubyte.gz", Checksum.Sha256("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609")),
            Mirrored(MnistMirrors, "train-labels-idx1-ubyte.gz", Checksum.Sha256("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c")),
            Mirrored(MnistMirrors, "t10k-images-idx3-ubyte.gz", Checksum.Sha256("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6")),
            Mirrored(MnistMirrors, "t10k-labels-idx1-ubyte.gz", Checksum.Sha256("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        ]),
        "fashion-mnist" => new("fashion-mnist", "fashion-mnist",
        [
            Mirrored(FashionMnistMirrors, "train-images-idx3-ubyte.gz", Checksum.Md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d")),
            Mirrored(FashionMnistMirrors, "train-labels-idx1-ubyte.gz", Checksum.Md5("25c81989df183df01b3e8a0aad5dffbe")),
            Mirrored(FashionMnistMirrors, "t10k-images-idx3-ubyte.gz", Checksum.Md5("bef4ecab320f06d8554ea6380940ec79")),
            Mirrored(FashionMnistMirrors, "t10k-labels-idx1-ubyte.gz", Checksum.Md5("bb300cfdad3c16e7a12a480ee83cd310")),
        ]),
        "cifar10" => new("cifar10", "cifar-10",
        [
            new RemoteFile("cifar-10-binary.tar.gz", ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"], Checksum.Md5("c32a1d4ab5d03f1284b67883e8d87530"))
            {
                Members =
                [
                    new("data_batch_1.bin", Checksum.Sha256("cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5")),
                    new("data_batch_2.bin", Checksum.Sha256("a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed")),
                    new("data_batch_3.bin", Checksum.Sha256("bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67")),
                    new("data_batch_4.bin", Checksum.Sha256("014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48")),
                    new("data_batch_5.bin", Checksum.Sha256("755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add")),
                    new("test_batch.bin", Checksum.Sha256("8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b")),
                    new("batches.meta.txt", Checksum.Sha256("558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033")),
                ],
            },
        ]),
        "cifar100" => new("cifar100", "cifar-100",
        [
            new RemoteFile("cifar-100-binary.tar.gz", ["https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"], Checksum.Sha256("58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec"))
            {
                Members =
                [
                    new("train.bin", Checksum.Sha256("f31298fc616915fa142368359df1c4ca2ae984d6915ca468b998a5ec6aeebf29")),
                    new("test.bin", Checksum.Sha256("d8b1e6b7b3bee4020055f0699b111f60b1af1e262aeb93a0b659061746f8224a")),
                    new("fine_label_names.txt"),
                    new("coarse_label_names.txt"),
                ],
            },
        ]),
        _ => null,
    };

    private static RemoteFile Mirrored(string[] mirrors, string fileName, Checksum checksum) =>
        new(fileName, mirrors.Select(m => m + fileName).ToArray(), checksum);
}
