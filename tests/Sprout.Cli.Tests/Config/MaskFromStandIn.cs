// MaskFromStandIn: shipped --mask-from configs name a dense run that exists only once it is trained (the lottery
// ticket's source). Config tests validate them against a stand-in: a dense checkpoint of the config's --model and
// --data at initialisation, with the saved settings `sprout train --method dense` writes.
using Sprout.Cli.Config;
using Sprout.Cli.Models;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Training;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests.Config;

internal static class MaskFromStandIn
{
    /// <summary>Points <paramref name="s"/>'s --mask-from (when set) at a stand-in written into <paramref name="folder"/>.</summary>
    public static void Apply(TrainSettings s, string folder)
    {
        if (s.MaskFrom is null) return;
        Assert.EndsWith(".safetensors", s.MaskFrom, StringComparison.Ordinal);
        var dense = new TrainSettings { Data = s.Data, Model = s.Model, Method = "dense", Seed = 0 };
        string data = DatasetRegistry.Canonicalize(s.Data);
        var shape = data is "cifar10" or "cifar100" ? new ImageShape(3, 32, 32) : data == "digits" ? new ImageShape(1, 8, 8) : new ImageShape(1, 28, 28);
        var model = ModelRegistry.Builder(dense.Model, shape, data == "cifar100" ? 100 : 10, dense.Seed)(new DenseLayerFactory(new Rng(1)));
        string path = Path.Combine(folder, "dense.safetensors");
        Checkpoint.Save(path, new Trainer(model, new Sgd(model.NamedParameters(), 0.1f)),
            new Dictionary<string, string> { [Commands.TrainCommand.ConfigMetadataKey] = ConfigFile.ToYaml(dense) });
        s.MaskFrom = path;
    }
}
